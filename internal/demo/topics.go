package demo

// Topic names of the default ecommerce taxonomy (docs/topics.md#taxonomy). They live here
// until a topics package owns the taxonomy; the demo's contacts, self-service
// sessions and message texts use exactly these.
const (
	TopicWhereIsMyOrder     = "where_is_my_order"
	TopicDeliveryDelay      = "delivery_delay"
	TopicReturn             = "return"
	TopicRefund             = "refund"
	TopicCancel             = "cancel"
	TopicChangeOrder        = "change_order"
	TopicDamagedOrDefective = "damaged_or_defective"
	TopicWrongOrMissingItem = "wrong_or_missing_item"
	TopicProductQuestion    = "product_question"
	TopicSizing             = "sizing"
	TopicPayment            = "payment"
	TopicDiscountPromo      = "discount_promo"
	TopicAccount            = "account"
	TopicSubscription       = "subscription"
	TopicOther              = "other"
)

// Topics lists the taxonomy in its documented order.
var Topics = []string{
	TopicWhereIsMyOrder, TopicDeliveryDelay, TopicReturn, TopicRefund, TopicCancel, TopicChangeOrder,
	TopicDamagedOrDefective, TopicWrongOrMissingItem, TopicProductQuestion, TopicSizing, TopicPayment,
	TopicDiscountPromo, TopicAccount, TopicSubscription, TopicOther,
}

// topic is a topic's index in Topics; the generator carries these instead of
// strings.
type topic uint8

const (
	tWISMO topic = iota
	tDelay
	tReturn
	tRefund
	tCancel
	tChange
	tDamaged
	tWrong
	tProduct
	tSizing
	tPayment
	tDiscount
	tAccount
	tSubscription
	tOther
	topicCount
)

func (t topic) String() string { return Topics[t] }
