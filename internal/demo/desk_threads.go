package demo

import (
	"encoding/base32"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/microcosm-cc/bluemonday"

	"quietdesk/internal/desk"
)

// The desk's threads (desk.go). Each contact of the desk's weeks gets the
// service the brand's record gives the contacts of the weeks before them
// (gen.service, whose figures these mirror, so the team figures run on
// without a step where the desk begins): a first response, a number of
// replies, a resolution. Its thread is laid out to match — the first agent
// message at the first response, as many agent messages as replies, closed
// at the resolution — with the customer's words between. What has not
// happened by Options.Now is cut: such a conversation is open or waiting.
// A few recent contacts instead get a plan that makes the inbox's present
// (open and fresh, past the target, waiting on the customer, snoozed).

// The service of the desk's contacts, as the record of earlier weeks has
// it: medians in minutes of the first response and of the time from it to
// the resolution, and of the replies, by channel. tier2 takes half as long
// again.
var (
	deskFirstResponse = map[string]float64{"email": 150, "chat": 2, "voice": 0, "sms": 40, "social": 60, "other": 180}
	deskResolution    = map[string]float64{"email": 20 * 60, "chat": 15, "voice": 12, "sms": 5 * 60, "social": 6 * 60, "other": 24 * 60}
	deskReplies       = map[string]float64{"email": 2, "chat": 4, "voice": 1, "sms": 2, "social": 2, "other": 2}
)

// maxGap bounds the time between two messages of a thread: well inside
// the contact's active window (desk.ActiveWindow; desk.ChatIdle for a
// chat session), so that the contact rules would keep every message in the
// one contact.
const maxGap = 48 * hour

func gapOn(channel string) int64 {
	if channel == "chat" {
		return 12 * 60
	}
	return maxGap
}

// deskContact is a contact to thread, with what its texts need.
type deskContact struct {
	id, customer                                     int64
	channel                                          string
	start                                            int64
	topic                                            topic
	subject, body, agent, team                       string
	handle                                           int64
	name, email                                      string
	order, carrier, code, country, tracking, product string
	promised, delivered                              int64 // 0: not known
	surveyed                                         bool  // it has a satisfaction survey already
}

// deskMsg is one message of a thread.
type deskMsg struct {
	at                          int64
	in                          bool // the customer's
	subject, body, quoted, html string
	emailID, fromAddr           string
	status, statusDetail        string
}

// Plans for the conversations that make the inbox's present.
type plan uint8

const (
	planRecord  plan = iota // the service drawn as the record's (served)
	planFresh               // open: the customer wrote in the last hours
	planBreach              // open: the customer has waited past the 24-hour target
	planWaiting             // the agent asked; waiting on the customer
	planSnoozed             // waiting on the carrier: snoozed until a day to come
)

// Quotas of each plan, taken from the most recent contacts that fit.
var planQuotas = map[plan]int{planFresh: 12, planBreach: 4, planWaiting: 10, planSnoozed: 4}

// planOrder is the order plans are tried in, round and round, so that each
// gets recent contacts.
var planOrder = []plan{planFresh, planWaiting, planFresh, planSnoozed, planBreach, planWaiting, planFresh}

// planned is the plan a contact was given, and its rank in the plan.
type planned struct {
	plan plan
	nth  int
}

// deskConv is a contact's conversation as generated.
type deskConv struct {
	c       *deskContact
	s       deskSlots
	locale  string
	plan    plan
	nth     int // its rank among the conversations of its plan
	msgs    []deskMsg
	closed  int64 // 0: not closed at Now
	snooze  int64 // until, for planSnoozed
	session string
	token   string
	hostile bool // its customer's last message is pasted HTML
	renamed bool // its customer typed HTML into the name field
	id      int64
	// The follow-up questions asked so far, and the last one's index in
	// deskFollowUps, which the agent's next update answers.
	asked, question int
	greeted         bool // the agent has said hello (on chat, once)
}

// choosePlans gives the present's plans to the most recent contacts that
// can carry them (starts, newest first, of e-mail, SMS and social contacts
// of the last nine days: a chat or a call is over within the hour).
func (d *deskGen) choosePlans(ids, starts []int64) {
	left := map[plan]int{}
	for p, n := range planQuotas {
		left[p] = n
	}
	taken := map[plan]int{}
	next := 0
	for i, start := range starts {
		for try := range planOrder {
			p := planOrder[(next+try)%len(planOrder)]
			if left[p] == 0 || !d.fits(start, p) {
				continue
			}
			d.plans[ids[i]] = planned{p, taken[p]}
			left[p]--
			taken[p]++
			next = (next + try + 1) % len(planOrder)
			break
		}
	}
}

// window is when a plan's last message falls, relative to now, and
// whether the customer wrote it.
func (d *deskGen) window(p plan) (lo, hi int64, customerLast bool) {
	switch p {
	case planFresh:
		return d.now - 20*hour, d.now - 15*60, true
	case planBreach:
		return d.now - 54*hour, d.now - 26*hour, true
	case planWaiting:
		return d.now - 40*hour, d.now - 30*60, false
	default: // snoozed
		return d.now - 60*hour, d.now - 2*hour, false
	}
}

func (d *deskGen) fits(start int64, p plan) bool {
	lo, hi, customerLast := d.window(p)
	if customerLast && start >= lo && start <= hi {
		return true // the customer's message itself is still unanswered
	}
	return max(lo, start+30*60) < hi
}

// generate writes the contacts' threads, in the contacts' order.
func (d *deskGen) generate(contacts []*deskContact) []*deskConv {
	r := d.r
	convs := make([]*deskConv, len(contacts))
	for i, c := range contacts {
		v := &deskConv{c: c, locale: mailLocale(c.country)}
		v.s = deskSlots{first: firstName(c.name), agent: firstName(c.agent), order: c.order, carrier: c.carrier, tracking: c.tracking,
			product: c.product, code: c.code, lang: langOf(r, c.country), loc: d.loc}
		if v.s.code == "" {
			v.s.code = SpringCode
		}
		if c.tracking != "" && c.carrier != "" {
			v.s.trackURL = strings.NewReplacer("{carrier}", c.carrier, "{number}", c.tracking).Replace(trackingURLTemplate)
		}
		if c.delivered != 0 {
			v.s.deadline = time.Unix(c.delivered, 0).AddDate(0, 0, 30)
		}
		if c.promised != 0 {
			// The new estimate of a late parcel.
			v.s.date = time.Unix(max(c.promised, c.start)+2*day, 0)
		}
		if c.channel == "chat" {
			v.session = "chat-c" + strconv.FormatInt(c.id, 10)
		}
		if p, ok := d.plans[c.id]; ok {
			v.plan, v.nth = p.plan, p.nth
			d.plannedThread(v)
		} else {
			d.served(v)
		}
		// Two customers paste HTML: one into a mail, one into the name
		// field of the shop's form. Whatever shows them must escape it.
		if !d.hostileMail && v.plan == planFresh && c.channel == "email" && len(v.msgs) > 1 {
			d.hostileMail, v.hostile = true, true
		} else if !d.hostileName && v.plan == planWaiting {
			d.hostileName, v.renamed = true, true
			first, last, _ := strings.Cut(c.name, " ")
			c.name = "<b>" + first + "</b> " + last
		}
		d.dress(v)
		convs[i] = v
	}
	return convs
}

// The moves of a thread after the customer's first message.
type move uint8

const (
	mAnswer      move = iota // the agent settles it
	mAsk                     // the agent asks something
	mHolding                 // the agent is on it
	mSnoozing                // the agent promises news by a day, then snoozes
	mUpdate                  // the agent answers a follow-up
	mClosing                 // the agent's last word
	mFollowUp                // the customer asks something more
	mAnswerToAsk             // the customer answers the agent's question
	mChase                   // the customer chases
	mThanks                  // the customer thanks
)

// firstMessage is the customer's message that started the contact: its
// own text. A call's is the call itself; the agent's note of it follows.
func firstMessage(c *deskContact) deskMsg {
	if c.channel == "voice" {
		return deskMsg{at: c.start, in: true, body: callLength(c.handle)}
	}
	return deskMsg{at: c.start, in: true, subject: c.subject, body: c.body}
}

// served writes the thread of a contact given the service the record
// gives the weeks before: first response, replies, resolution, cut at
// now.
func (d *deskGen) served(v *deskConv) {
	r, c := d.r, v.c
	slow := 1.0
	if c.team == teams[1].name {
		slow = 1.5
	}
	gap := gapOn(c.channel)
	firstMin := min(deskFirstResponse[c.channel]*slow*math.Exp(0.9*r.NormFloat64()), float64(gap/60))
	resolveMin := firstMin + deskResolution[c.channel]*slow*math.Exp(0.8*r.NormFloat64())
	k := min(6, max(1, int(math.Round(deskReplies[c.channel]*math.Exp(0.4*r.NormFloat64())))))
	first := c.start + int64(firstMin*60)
	ended := max(c.start+int64(resolveMin*60), first)
	if c.channel == "voice" {
		// A call is answered as it is taken and over when it ends.
		k, first, ended = 1, c.start, c.start+max(c.handle, 20)
	}

	// The agent's messages: the first response, the last at the
	// resolution (sent and closed) or a while before it, the others
	// between; no two further apart than maxGap allows with the
	// customer's reply between them.
	at := make([]int64, k)
	at[0] = first
	if k > 1 {
		at[k-1] = ended
		if r.Float64() >= 0.6 {
			at[k-1] = first + int64(float64(ended-first)*(0.6+0.35*r.Float64()))
		}
		at[k-1] = min(at[k-1], first+int64(k-1)*2*gap*9/10)
		for i := 1; i < k-1; i++ {
			at[i] = first + (at[k-1]-first)*int64(i)/int64(k-1)
		}
	}
	v.msgs = append(v.msgs, firstMessage(c))
	prev := mAnswer
	if c.channel == "voice" {
		v.msgs = append(v.msgs, deskMsg{at: first, body: c.body}) // the agent's note of the call
	} else {
		// A chat often starts with a question back.
		if k > 1 && (r.Float64() < 0.35 || c.channel == "chat" && k > 2 && r.Float64() < 0.5) {
			prev = mAsk
		}
		v.msgs = append(v.msgs, deskMsg{at: first, body: d.say(v, prev, first)})
	}
	for i := 1; i < k; i++ {
		// The customer writes back between two replies: answers the
		// question, asks one more, or thanks, and the agent answers that.
		cm, m := mFollowUp, mUpdate
		switch {
		case prev == mAsk:
			cm, m = mAnswerToAsk, mAnswer
		case i == k-1 && (k > 2 || r.Float64() < 0.35):
			cm, m = mThanks, mClosing
		}
		t := at[i-1] + int64(float64(at[i]-at[i-1])*(0.3+0.4*r.Float64()))
		v.msgs = append(v.msgs, deskMsg{at: t, in: true, body: d.say(v, cm, t)})
		v.msgs = append(v.msgs, deskMsg{at: at[i], body: d.say(v, m, at[i])})
		prev = m
	}
	if last := at[k-1]; c.channel != "voice" && (prev == mAnswer || prev == mUpdate) && ended-last > 10*60 && r.Float64() < 0.3 {
		t := last + int64(float64(min(ended-last, gap))*(0.2+0.6*r.Float64()))
		v.msgs = append(v.msgs, deskMsg{at: t, in: true, body: d.say(v, mThanks, t)})
	}
	v.closed = ended
	// What has not happened by now is left out.
	for len(v.msgs) > 1 && v.msgs[len(v.msgs)-1].at >= d.now {
		v.msgs = v.msgs[:len(v.msgs)-1]
	}
	if v.closed >= d.now {
		v.closed = 0
	}
}

// plannedThread writes the thread of a present plan: from the customer's
// message to a last message in the plan's window, agent and customer in
// turn, each within maxGap of the one before.
func (d *deskGen) plannedThread(v *deskConv) {
	r, c := d.r, v.c
	v.msgs = append(v.msgs, firstMessage(c))
	lo, hi, customerLast := d.window(v.plan)
	if customerLast && c.start >= lo && c.start <= hi {
		return // unanswered since it came in
	}
	lo = max(lo, c.start+30*60)
	last := lo + r.Int64N(hi-lo)
	if w := d.agentTime(c.channel, last); !customerLast && w <= hi {
		last = w // the agent wrote it in working hours
	}
	// Agent and customer in turn from the agent: an odd count ends with
	// the agent.
	n := max(1, int(math.Ceil(float64(last-c.start)/float64(maxGap*9/10))))
	if (n%2 == 1) == customerLast {
		n++
	}
	step := (last - c.start) / int64(n)
	prev := mChase
	for i := 1; i <= n; i++ {
		t := c.start + step*int64(i) + (r.Int64N(step/3+1) - step/6)
		agent := i%2 == 1
		switch {
		case i == n:
			t = last
		case agent:
			if w := d.agentTime(c.channel, t); w < c.start+step*int64(i+1)-10*60 {
				t = w
			}
		}
		t = max(t, v.msgs[len(v.msgs)-1].at+5*60)
		var m move
		switch {
		case agent && i == n && v.plan == planSnoozed:
			m = mSnoozing
			v.snooze = d.snoozeUntil(t)
			v.s.date = time.Unix(v.snooze, 0)
		case agent && i == n:
			m = mAsk
		case agent && i == 1:
			m = mAnswer
		case agent:
			m = mHolding
		case prev == mAsk:
			m = mAnswerToAsk
		default:
			m = mChase
		}
		prev = m
		v.msgs = append(v.msgs, deskMsg{at: t, in: !agent, body: d.say(v, m, t)})
	}
}

// snoozeUntil is 9:00 on a day two to four days after t, and at least
// half a day after now.
func (d *deskGen) snoozeUntil(t int64) int64 {
	day := time.Unix(t, 0).In(d.loc).AddDate(0, 0, 2+d.r.IntN(3))
	at := time.Date(day.Year(), day.Month(), day.Day(), 9, 0, 0, 0, d.loc)
	for at.Unix() < d.now+12*hour {
		at = at.AddDate(0, 0, 1)
	}
	return at.Unix()
}

// say writes one move of the conversation, sent at at, in its language
// and channel.
func (d *deskGen) say(v *deskConv, m move, at int64) string {
	r, s, t := d.r, &v.s, v.c.topic
	if t == tDelay {
		t = tWISMO // the same questions
	}
	var core string
	switch m {
	case mAnswer:
		if v.c.promised != 0 {
			// A late parcel's new estimate, from the day it is given.
			s.date = time.Unix(max(v.c.promised, at)+2*day, 0)
		}
		core = s.say(r, deskAnswers[v.c.topic])
	case mAsk:
		core = s.say(r, orOther(deskAsks, t))
	case mHolding:
		core = s.say(r, deskHolding)
	case mSnoozing:
		core = s.say(r, deskSnoozing)
	case mFollowUp, mUpdate:
		pairs := deskFollowUps[s.lang]
		if m == mFollowUp || v.asked == 0 {
			v.question = (int(v.c.id) + v.asked) % len(pairs)
			v.asked++
		}
		core = s.fill(pairs[v.question][0])
		if m == mUpdate {
			core = s.fill(pairs[v.question][1])
		}
	case mClosing:
		core = s.say(r, deskClosings)
	case mAnswerToAsk:
		core = s.say(r, orOther(deskAnswersToAsks, t))
	case mChase:
		switch t {
		case tWISMO, tWrong:
			core = s.say(r, deskChasesParcel)
		case tRefund:
			core = s.say(r, deskChasesRefund)
		default:
			core = s.say(r, deskChases)
		}
	default:
		core = s.say(r, deskThanks)
	}
	if m >= mFollowUp { // the customer's words
		if v.c.channel == "email" {
			return core + "\n\n" + s.first
		}
		return core
	}
	switch v.c.channel {
	case "email":
		return s.fill(mailHello[s.lang]) + "\n\n" + core + "\n\n" + s.fill(mailSign[s.lang])
	case "chat":
		if !v.greeted {
			v.greeted = true
			return s.fill(chatHello[s.lang]) + core
		}
		return core
	case "sms":
		return core + "\n– " + s.agent + ", Atelier Brume"
	case "voice":
		return core
	}
	return core + " – " + s.agent
}

func orOther(p [topicCount]phrase, t topic) phrase {
	if len(p[t][langEN]) == 0 {
		return p[tOther]
	}
	return p[t]
}

// dress gives a thread what its channel adds: addresses, Message-IDs and
// quoted history for mail, subjects, delivery status.
func (d *deskGen) dress(v *deskConv) {
	r, c := d.r, v.c
	if c.channel != "email" {
		return
	}
	customer := mailbox(c.name, c.email)
	brand := "Atelier Brume <" + SupportAddress + ">"
	_, dom, _ := strings.Cut(c.email, "@")
	var lastOut *deskMsg
	for i := range v.msgs {
		m := &v.msgs[i]
		if i > 0 {
			m.subject = "Re: " + cmpOr(c.subject, "your message")
		}
		if !m.in {
			m.fromAddr, m.emailID, m.status = SupportAddress, "qd."+strings.ToLower(d.token())+"@"+BrandDomain, desk.StatusSent
			if r.Float64() < 0.004 {
				m.status, m.statusDetail = desk.StatusFailed, "550 5.2.2 <"+c.email+">: mailbox full"
			}
			lastOut = m
			continue
		}
		m.fromAddr = customer
		m.emailID = d.token() + d.token() + "@mail." + dom
		if lastOut != nil && r.Float64() < 0.6 {
			m.quoted = quoteMessage(r, v.locale, time.Unix(lastOut.at, 0).In(d.loc), brand, customer, lastOut.subject, lastOut.body)
		}
	}
	if lastOut != nil {
		v.token = strings.ToLower(d.token())
	}
	if v.hostile {
		m := &v.msgs[len(v.msgs)-1]
		raw := "<p><b>URGENT</b> I need it before Saturday!!</p><script>alert('parcel')</script><img src=x onerror=alert(1)>"
		m.subject = "<b>URGENT</b> " + m.subject
		m.body = "<b>URGENT</b> I need it before Saturday!! <script>alert('parcel')</script>\n\n" + v.s.first
		m.html = bluemonday.UGCPolicy().Sanitize(raw)
	}
}

// mailbox writes a sender as mail programs do: Name <address>.
func mailbox(name, address string) string {
	if name == "" {
		return address
	}
	return name + " <" + address + ">"
}

// token is 80 random bits of the desk's stream in base32.
func (d *deskGen) token() string {
	var b [10]byte
	for i := range b {
		b[i] = byte(d.r.Uint32())
	}
	return base32.StdEncoding.WithPadding(base32.NoPadding).EncodeToString(b[:])
}

// callLength is what a call's message says of it: "Call, 4 min 12 s".
func callLength(seconds int64) string {
	seconds = max(seconds, 20)
	if seconds < 60 {
		return fmt.Sprintf("Call, %d s", seconds)
	}
	return fmt.Sprintf("Call, %d min %d s", seconds/60, seconds%60)
}

// agentTime moves t into the team's hours, 8:00–20:00 every day; chats and
// calls are answered as they come, while the line is open.
func (d *deskGen) agentTime(channel string, t int64) int64 {
	if channel == "chat" || channel == "voice" {
		return t
	}
	lt := time.Unix(t, 0).In(d.loc)
	h := lt.Hour()
	if h >= 8 && h < 20 {
		return t
	}
	day := lt
	if h >= 20 {
		day = lt.AddDate(0, 0, 1)
	}
	return time.Date(day.Year(), day.Month(), day.Day(), 8, 0, 0, 0, d.loc).Unix() + d.r.Int64N(90*60)
}

func cmpOr(s, fallback string) string {
	if s == "" {
		return fallback
	}
	return s
}
