// Package topics says why customers write: the default ecommerce taxonomy,
// text preparation for real customer mail, a TF-IDF and multinomial logistic
// regression classifier with calibrated confidence, its evaluation, and the
// starter model shipped in the binary (README.md).
package topics

// Topic ids of the default ecommerce taxonomy (docs/topics.md#taxonomy). They are stored
// on contacts and used as the metrics' topic dimension, so they never change;
// a store renames a topic by its display name.
const (
	WhereIsMyOrder     = "where_is_my_order"
	DeliveryDelay      = "delivery_delay"
	Return             = "return"
	Refund             = "refund"
	Cancel             = "cancel"
	ChangeOrder        = "change_order"
	DamagedOrDefective = "damaged_or_defective"
	WrongOrMissingItem = "wrong_or_missing_item"
	ProductQuestion    = "product_question"
	Sizing             = "sizing"
	Payment            = "payment"
	DiscountPromo      = "discount_promo"
	Account            = "account"
	Subscription       = "subscription"
	Other              = "other"
)

// Topic is one entry of the taxonomy.
type Topic struct {
	ID   string `json:"id"`
	Name string `json:"name"`
}

// Default is the default taxonomy in its documented order. The ids match the
// ones internal/demo writes, so the demo store and the classifier agree.
var Default = []Topic{
	{WhereIsMyOrder, "Where is my order"},
	{DeliveryDelay, "Delivery delay"},
	{Return, "Return"},
	{Refund, "Refund"},
	{Cancel, "Cancel"},
	{ChangeOrder, "Change order or address"},
	{DamagedOrDefective, "Damaged or defective"},
	{WrongOrMissingItem, "Wrong or missing item"},
	{ProductQuestion, "Product question"},
	{Sizing, "Sizing"},
	{Payment, "Payment"},
	{DiscountPromo, "Discount or promo"},
	{Account, "Account"},
	{Subscription, "Subscription"},
	{Other, "Other"},
}

// DefaultIDs lists the ids of Default in order.
func DefaultIDs() []string {
	ids := make([]string, len(Default))
	for i, t := range Default {
		ids[i] = t.ID
	}
	return ids
}

// IsDefault reports whether id is a topic of the default taxonomy.
func IsDefault(id string) bool {
	for _, t := range Default {
		if t.ID == id {
			return true
		}
	}
	return false
}
