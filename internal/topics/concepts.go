package topics

import (
	"maps"
	"slices"
	"strings"
)

// Concepts are word clusters written by hand: words that customers use for
// one idea, whatever the shop sells. A model trained on templated data
// learns "damaged" and "defective" because its templates use them; it has
// never seen "cracked", "dented" or "stopped working". Each word below adds
// one feature for its concept beside its own, so a weight learnt from the
// words the training data has carries over to the words it lacks. The
// lists are general English and general commerce, not copied from any
// test set; docs/topics.md#classification says how to extend them.
//
// A concept is also read under negation: a word within three words after
// "not", "never", "hasn't"… adds its concept negated, so "hasn't arrived"
// and "never received" meet in one feature ("not arrived" is the commonest
// way to say a parcel is missing or late) and "not working" meets "broken".
var conceptWords = map[string]string{
	"PARCEL": `parcel parcels package packages packet shipment shipments consignment delivery deliveries box boxes
		courier couriers postman postie mailman`,
	"ARRIVE": `arrive arrived arrives arriving arrival receive received receiving recieved recived recieve got get
		came come comes coming reach reached land landed delivered show showed turned`,
	"TRACK": `track tracked tracking trace traced whereabouts locate located eta status`,
	"LATE": `late later delay delayed delays delaying overdue postponed waiting waited wait ages forever slow slowly
		stuck stalled held hold customs weeks days month still yet longer`,
	"BROKEN": `broken broke break breaks breaking damaged damage damages defective defect faulty fault faults crack
		cracked cracks torn tear tears ripped rip stain stained stains scratch scratched scratches dent dented
		leak leaking leaked shattered smashed crushed malfunction malfunctioning dead bent chipped peeling
		peeled hole holes frayed unusable mouldy moldy rotten spoiled expired`,
	"WRONG":   `wrong incorrect mistaken mistake different instead swapped mixed another`,
	"MISSING": `missing lacking absent short forgot forgotten empty incomplete`,
	"RETURN": `return returns returned returning exchange exchanged exchanges swap replace replacement replacements
		rma`,
	"REFUND": `refund refunds refunded refunding reimburse reimbursed reimbursement credit credited reverse reversed
		reversal chargeback repay repaid compensation compensate`,
	"CANCEL": `cancel cancels cancelled canceled cancelling canceling cancellation cancelation cancle cancl revoke
		withdraw`,
	"CHANGE": `change changed changing modify modified edit edited amend amended alter update updated correct
		corrected`,
	"ADDRESS": `address addresses postcode postal zip zipcode street apartment flat house pincode`,
	"PAY": `pay paid paying payment payments payed charge charged charges charging card cards debit debited
		visa mastercard amex paypal klarna afterpay billing bill billed bills invoice invoices receipt
		receipts transaction transactions fee fees declined decline rejected checkout emi installment
		installments instalment instalments cod cash bank overcharged twice double upi wallet`,
	"PROMO": `discount discounts discounted code codes coupon coupons coupen voucher vouchers promo promotion
		promotions promotional sale sales offer offers deal deals loyalty points reward rewards cheaper
		cashback percent off`,
	"SIZE": `size sizes sizing sized fit fits fitting fitted small smaller large larger big bigger tight loose
		length measurements measurement chart xs xl xxl waist inseam narrow wide petite tall`,
	"ACCOUNT": `account accounts login logon signin signup password passwords username register registered
		registration profile verify verification otp locked unlock reset`,
	"SUBSCRIBE": `subscribe subscribed subscription subscriptions unsubscribe newsletter newsletters mailing
		emails marketing spam membership renew renewal recurring`,
	"PRODUCT": `material materials fabric cotton wool leather ingredient stock restock available
		availability colour colours color colors compatible compatibility wash washing care dimensions
		specification specifications recommend recommendation genuine original authentic fake warranty
		guarantee quality model version flavour flavor weight price prices cost costs`,
	"ATTRIBUTE": `waterproof water resistant vegan vegetarian gluten organic allergen allergens allergy halal kosher
		battery batteries charger voltage plug dimension dimensional heavy lightweight manufactured origin
		ingredients dosage dose instructions manual assemble assembly install installation setup suitable
		safe toxic natural shelf expiry expiration lifespan durable`,
	"BUY": `buy buying bought purchase purchasing preorder backorder shop shopping`,
	"SHIPPING": `ship ships shipping express standard overnight international worldwide abroad overseas pickup
		collect collection store stores showroom`,
	"GREET": `hi hello hey hii hiii hy hlo helo hola yo morning afternoon evening`,
	"PERSON": `agent agents human person representative someone somebody speak talk call phone manager
		supervisor operator`,
	"COMPLAIN": `complaint complaints complain terrible awful disappointed disappointing unacceptable worst angry
		rude horrible useless poor`,
	"THANKS": `thanks thank thankyou thx cheers appreciate appreciated great perfect awesome lovely`,
}

// conceptPhrases are two-word expressions with a concept of their own,
// separated by "|", matched on stemmed words, side by side or with one word
// between them ("send it back", "too damn small").
var conceptPhrases = map[string]string{
	"RETURN":    "send back|sent back|sending back|take back",
	"REFUND":    "money back|paid back",
	"ACCOUNT":   "log in|sign in|sign up|logged out",
	"SUBSCRIBE": "opt out",
	"BROKEN":    "stop working|stopped working|fall apart|fell apart|came apart",
	"SIZE":      "too small|too big|too tight|too large|too long|too short",
	"PROMO":     "gift card|price match|black friday",
	"PAY":       "credit card|debit card",
	"TRACK":     "where is|wheres my",
	"LATE":      "how long|so long",
	"CANCEL":    "changed mind",
	"PRODUCT":   "how much|in stock|back in",
	"SHIPPING":  "next day|deliver to|ship to|free delivery",
	"BUY":       "place order",
	"GREET":     "good morning",
}

// negatedConcepts are the concepts a word means under negation, instead
// of its own negated: "doesn't work" and "won't turn on" are BROKEN.
var negatedConcepts = map[string]string{
	"work": "BROKEN", "works": "BROKEN", "working": "BROKEN", "function": "BROKEN", "functioning": "BROKEN",
	"turn": "BROKEN", "charge": "BROKEN", "charging": "BROKEN",
}

// negators open a negation scope of negationScope words.
var negators = setOf(`not no never dont didnt doesnt hasnt havent hadnt isnt wasnt arent werent cant cannot
	couldnt wont wouldnt nothing neither nor without nt`)

const negationScope = 3

var (
	conceptOfWord, conceptOfStem = conceptMaps(conceptWords)
	// conceptOfPhrase[first][second] is the phrase's concept, both words
	// stemmed: two maps so a lookup builds no string.
	conceptOfPhrase = func() map[string]map[string]string {
		out := map[string]map[string]string{}
		for c, phrases := range conceptPhrases {
			for _, p := range strings.Split(phrases, "|") {
				a, b, _ := strings.Cut(p, " ")
				if out[stem(a)] == nil {
					out[stem(a)] = map[string]string{}
				}
				out[stem(a)][stem(b)] = c
			}
		}
		return out
	}()
	conceptOfNegated = func() map[string]string {
		out := map[string]string{}
		for w, c := range negatedConcepts {
			out[stem(w)] = c
		}
		return out
	}()
)

// conceptMaps indexes the lists by word and by stem. The crude stem
// makes some words meet that should not ("codes" and "cod"), so a word as
// written is looked up first; between two concepts claiming one stem, the
// first by name keeps it, so the maps never depend on map order.
func conceptMaps(lists map[string]string) (byWord, byStem map[string]string) {
	byWord, byStem = map[string]string{}, map[string]string{}
	for _, c := range slices.Sorted(maps.Keys(lists)) {
		for _, w := range strings.Fields(lists[c]) {
			byWord[w] = c
			if _, ok := byStem[stem(w)]; !ok {
				byStem[stem(w)] = c
			}
		}
	}
	return byWord, byStem
}

// conceptOf is the concept of word t, whose stem is st, or "".
func conceptOf(t, st string) string {
	if c, ok := conceptOfWord[t]; ok {
		return c
	}
	return conceptOfStem[st]
}

func setOf(words string) map[string]bool {
	out := map[string]bool{}
	for _, w := range strings.Fields(words) {
		out[w] = true
	}
	return out
}
