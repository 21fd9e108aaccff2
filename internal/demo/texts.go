package demo

import (
	"math/rand/v2"
	"strings"
)

// The words customers write, by topic. Slots in braces are filled per
// contact: {first} the customer's first name, {ref} the order ("my order
// #10000123" when the customer gives the number, "my order" otherwise),
// {product}, {size}, {carrier}, {code}, {days}.
//
// No template holds anything that looks like an order number (three or more
// digits after a '#', "order", or letters and a dash): only {ref} may, so a
// contact's order is found in its text exactly when the generator meant it.
type topicTexts struct {
	subjects []string // e-mail subjects
	says     []string // what the customer writes
	calls    []string // an agent's note of a call
}

var texts = [topicCount]topicTexts{
	tWISMO: {
		subjects: []string{"Where is my order?", "Order not received", "Tracking not updating", "Still waiting for my parcel", "Delivery status"},
		says: []string{
			"I ordered a week ago and {ref} still hasn't arrived. Can you tell me where it is?",
			"The tracking for {ref} hasn't moved in days. Is it lost?",
			"Hi, could you check on {ref}? The {carrier} page just says in transit.",
			"When will {ref} be delivered? I need the {product} for the weekend.",
			"I haven't received {ref} yet and the delivery date has passed.",
			"Is {ref} on its way? I didn't get a shipping confirmation.",
			"My parcel was supposed to come yesterday. Where is {ref}?",
		},
		calls: []string{
			"Customer called asking where {ref} is; tracking shows it with {carrier}, gave the new estimate.",
			"Caller chasing {ref}, past the promised date; checked {carrier} tracking and reassured.",
			"Customer wanted a delivery date for {ref}; explained {carrier} transit times.",
		},
	},
	tDelay: {
		subjects: []string{"Delivery delayed", "Why is my parcel late?", "Delay notification", "Late delivery"},
		says: []string{
			"I got a message that {ref} is delayed. How long will it take now?",
			"{carrier} says there is a delay on {ref}. Can you do something? I needed it for {days}.",
			"Your carrier keeps pushing back the delivery of {ref}. This is the second delay.",
			"The delivery of {ref} was postponed again. Can I still get it this week?",
		},
		calls: []string{
			"Customer upset about the {carrier} delay on {ref}; apologised and promised to follow up.",
			"Caller asked why {ref} is delayed; {carrier} reported a hold-up at the depot.",
		},
	},
	tReturn: {
		subjects: []string{"Return request", "How do I return an item?", "Return label", "Returning my order"},
		says: []string{
			"I'd like to return the {product} from {ref}. How do I get a return label?",
			"How many days do I have to send back {ref}?",
			"I changed my mind about the {product}. Can I return it, and how?",
			"I printed the label but I can't find a drop-off point. Can I return {ref} another way?",
			"Can I return just one item from {ref}?",
		},
		calls: []string{
			"Customer asked how to return the {product}; walked through the returns portal.",
			"Caller wants to return part of {ref}; sent the return label by email.",
		},
	},
	tRefund: {
		subjects: []string{"Refund not received", "Where is my refund?", "Refund status", "Money back"},
		says: []string{
			"I sent back {ref} {days} ago and haven't been refunded yet.",
			"When will I get my money back for the {product}? You received the parcel last week.",
			"The refund for {ref} is less than what I paid. Why?",
			"Can you confirm you got my return and when the refund will be made?",
		},
		calls: []string{
			"Customer chasing the refund for {ref}; return received, refund in progress.",
			"Caller asked about a partial refund on {ref}; explained the discount deduction.",
		},
	},
	tCancel: {
		subjects: []string{"Cancel my order", "Order cancellation", "Please cancel", "Cancel before shipping"},
		says: []string{
			"Please cancel {ref}, I ordered the wrong size by mistake.",
			"I'd like to cancel {ref} before it ships.",
			"Can I still cancel {ref}? I found the {product} elsewhere.",
			"I placed the same order twice, please cancel one of them.",
		},
		calls: []string{
			"Customer called to cancel {ref} before dispatch; cancelled and refunded.",
			"Caller asked to cancel {ref}; already with the warehouse, advised to refuse delivery.",
		},
	},
	tChange: {
		subjects: []string{"Change delivery address", "Change my order", "Wrong address on order", "Update order"},
		says: []string{
			"I made a mistake in the address for {ref}. Can you change it?",
			"Can I change the size of the {product} in {ref} to {size}?",
			"Could you add a second item to {ref} before it ships?",
			"I'll be away this week, can {ref} be delivered to my office instead?",
		},
		calls: []string{
			"Customer called to change the delivery address on {ref}; updated before dispatch.",
			"Caller wanted a different size in {ref}; swapped to {size}.",
		},
	},
	tDamaged: {
		subjects: []string{"Damaged item", "Faulty product", "Item arrived broken", "Quality problem"},
		says: []string{
			"The {product} from {ref} arrived with a tear in the seam. Photos attached.",
			"The zip on my {product} broke the second time I wore it.",
			"The box of {ref} was crushed and the {product} {is} stained.",
			"The sole of the {product} is coming off after a week.",
		},
		calls: []string{
			"Customer reports the {product} arrived damaged; asked for photos by email, replacement offered.",
			"Caller says the {product} {is} defective after a few wears; opened a warranty claim.",
		},
	},
	tWrong: {
		subjects: []string{"Wrong item received", "Missing item", "Incomplete order", "Not what I ordered"},
		says: []string{
			"I received the {product} in the wrong size, I ordered {size}.",
			"One item is missing from {ref}. I only got the {product}.",
			"The parcel contained someone else's order.",
			"I ordered the {product} in black and got it in olive.",
		},
		calls: []string{
			"Customer received the wrong size of {product}; sent the right one, return label emailed.",
			"Caller says an item is missing from {ref}; checked the packing record, reshipping.",
		},
	},
	tProduct: {
		subjects: []string{"Question about a product", "Product information", "Care instructions", "Is it back in stock?"},
		says: []string{
			"Can the {product} go in the washing machine?",
			"What fabric do you use for the {product}? Is the cotton organic?",
			"Will the {product} be back in stock in {size}?",
			"How does the {product} fit compared to your size guide?",
			"How should I care for the {product}? Can it go in the dryer?",
		},
		calls: []string{
			"Customer asked about the material of the {product}; explained the care label.",
			"Caller asked when the {product} is back in stock.",
		},
	},
	tSizing: {
		subjects: []string{"Size advice", "Wrong size", "Exchange for another size", "Which size should I take?"},
		says: []string{
			"The {product} {is} too small, can I exchange for a {size}?",
			"I usually wear {size} but I find the {product} tight. Should I size up?",
			"The {product} {is} small for the size. Can I swap for the next one up?",
			"What size should I take in the {product}? Your size guide is confusing.",
			"I'm between two sizes for the {product}, which one would you recommend?",
		},
		calls: []string{
			"Customer says the {product} {is} too small; advised one size up and set up an exchange.",
			"Caller asked for size advice on the {product}; recommended {size}.",
		},
	},
	tPayment: {
		subjects: []string{"Payment problem", "Charged twice", "Card declined", "Payment failed"},
		says: []string{
			"I was charged twice for {ref}. Please refund one payment.",
			"My card was declined but the money left my account.",
			"Can I pay in three instalments?",
			"The payment page keeps failing when I try to check out.",
		},
		calls: []string{
			"Customer charged twice for {ref}; confirmed one authorisation will drop.",
			"Caller's card was declined at checkout; suggested another payment method.",
		},
	},
	tDiscount: {
		subjects: []string{"Discount code not working", "Promo code", "Price adjustment", "Code didn't apply"},
		says: []string{
			"The code {code} didn't apply at checkout. Can you refund the difference?",
			"I saw {code} online but it says it's invalid.",
			"The {product} went on sale the day after I bought it. Can I get the difference?",
			"Can I combine {code} with the sale price?",
		},
		calls: []string{
			"Customer's code {code} did not apply; explained the conditions.",
			"Caller asked for a price adjustment on the {product}; applied a goodwill credit.",
		},
	},
	tAccount: {
		subjects: []string{"Can't log in", "Account problem", "Delete my account", "Change my email"},
		says: []string{
			"I can't log in to my account, the reset link never arrives.",
			"Please delete my account and my data.",
			"How do I change the email address on my account?",
			"My account shows an old address and I can't edit it.",
		},
		calls: []string{
			"Customer locked out of their account; sent a reset link.",
			"Caller wants their account deleted; forwarded to the privacy team.",
		},
	},
	tSubscription: {
		subjects: []string{"Unsubscribe", "Too many emails", "Newsletter", "Stop the messages"},
		says: []string{
			"Please take me off your newsletter.",
			"I keep getting your emails even though I unsubscribed.",
			"How do I stop the text messages?",
			"I'd like to change how often I get your newsletter.",
		},
		calls: []string{
			"Customer asked to be removed from marketing emails; done.",
		},
	},
	tOther: {
		subjects: []string{"Question", "Hello", "Feedback", "Collaboration"},
		says: []string{
			"Do you have a shop in Lyon I can visit?",
			"Just wanted to say I love the {product}!",
			"Do you offer gift wrapping?",
			"Are you hiring for the Paris store?",
			"I'm a content creator and would love to work with you.",
		},
		calls: []string{
			"Customer asked about the store's opening hours.",
			"Caller asked about gift cards.",
		},
	},
}

var (
	greetings = []string{"Hello,", "Hi,", "Good morning,", "Bonjour,", "Hello there,"}
	closings  = []string{"Thanks", "Thank you", "Best regards", "Kind regards", "Thanks in advance", "Cheers"}
	chatHi    = []string{"Hi!", "Hello!", "Hi there!", "Hey!", ""}
	refPhrase = []string{"my order {n}", "order {n}", "my order ({n})", "my order {n}"}
	noRef     = []string{"my order", "my parcel", "my order"}
	// An agent's note of a call speaks of the customer's order.
	callRef   = []string{"order {n}", "their order {n}"}
	callNoRef = []string{"their order", "the parcel", "the order"}
	dayWords  = []string{"two weeks", "ten days", "a week", "three weeks", "Saturday"}
)

// slots are the values a template's slots take.
type slots struct {
	first, product, size, carrier, code string
	// number is the order number the customer gives, "" when none.
	number string
	call   bool // the text is an agent's note of a call
	named  bool // set when the text gave the number
}

// message writes the subject (e-mail only) and text of one contact, and
// says whether the text gives the order number (not every template has a
// place for it).
func message(r *rand.Rand, t topic, channel string, s slots) (subject, text string, named bool) {
	tt := &texts[t]
	fill := func(tmpl string) string { return expand(tmpl, &s, r) }
	switch channel {
	case "email":
		subject = fill(pick(r, tt.subjects))
		text = pick(r, greetings) + "\n\n" + fill(pick(r, tt.says)) + "\n\n" + pick(r, closings) + ",\n" + s.first
	case "voice":
		s.call = true
		text = fill(pick(r, tt.calls))
	case "chat":
		hi := pick(r, chatHi)
		text = fill(pick(r, tt.says))
		if hi != "" {
			text = hi + " " + text
		}
	case "sms":
		text = fill(pick(r, tt.says))
	default: // social: a direct message
		text = "Hey! " + fill(pick(r, tt.says))
	}
	return subject, text, s.named
}

func expand(tmpl string, s *slots, r *rand.Rand) string {
	if !strings.Contains(tmpl, "{") {
		return tmpl
	}
	var b strings.Builder
	b.Grow(len(tmpl) + 32)
	for {
		i := strings.IndexByte(tmpl, '{')
		if i < 0 {
			b.WriteString(tmpl)
			break
		}
		j := strings.IndexByte(tmpl[i:], '}')
		b.WriteString(tmpl[:i])
		name := tmpl[i+1 : i+j]
		tmpl = tmpl[i+j+1:]
		switch name {
		case "first":
			b.WriteString(s.first)
		case "ref":
			with, without := refPhrase, noRef
			if s.call {
				with, without = callRef, callNoRef
			}
			if s.number != "" {
				b.WriteString(strings.Replace(pick(r, with), "{n}", "#"+s.number, 1))
				s.named = true
			} else {
				b.WriteString(pick(r, without))
			}
		case "is":
			if plural(s.product) {
				b.WriteString("are")
			} else {
				b.WriteString("is")
			}
		case "product":
			b.WriteString(s.product)
		case "size":
			b.WriteString(s.size)
		case "carrier":
			b.WriteString(s.carrier)
		case "code":
			b.WriteString(s.code)
		case "days":
			b.WriteString(pick(r, dayWords))
		}
	}
	out := b.String()
	// A template that starts with its slot gets a capital.
	if len(out) > 0 && out[0] >= 'a' && out[0] <= 'z' {
		out = string(out[0]-'a'+'A') + out[1:]
	}
	return out
}

// plural tells "jeans" and "Chelsea boots" from "Wrap dress".
func plural(product string) bool {
	return strings.HasSuffix(product, "s") && !strings.HasSuffix(product, "ss")
}

func pick[T any](r *rand.Rand, list []T) T { return list[r.IntN(len(list))] }
