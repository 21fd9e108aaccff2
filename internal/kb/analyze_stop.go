package kb

import "strings"

// stopwords are the words too common to tell answers apart, by language,
// written accent-folded as the analyzer compares them. Negations and
// question words that change an answer ("not", "when") are kept.
var stopwords = map[string]map[string]bool{
	"en": set(`a an and are as at be been but by can could did do does for from had has have he her his how i i'm if in into is it its
		just me my of on or our please she so that the their them then there these they this to us was we were what which who will with would you your yours hi hello thanks thank`),
	"fr": set(`a au aux avec ce ces cet cette de des du elle en est et eux il ils je la le les leur lui ma mais me mes moi mon ne nos notre nous on ou par pas pour
		qu que qui sa se ses son sont sur ta te tes toi ton tu un une vos votre vous c d j l m n s t y suis ai as avez ont etre bonjour merci svp est-ce comment`),
	"de": set(`aber als am an auch auf aus bei bin bis das dass dem den der des die du ein eine einem einen einer es fur hat ich ihr im in ist ja mein meine mit
		nach nicht noch oder sich sie sind so und uns von war was wie wir zu zum zur hallo danke bitte`),
	"es": set(`a al como con de del el en es esta este ha la las le lo los me mi mis muy no nos o para pero por que se si su sus te tu un una y yo hola gracias`),
	"it": set(`a al alla che ci come con da dal dei del della di e ed gli ha ho i il in io la le lo ma mi mio mia non per quando se si sono su un una ciao grazie`),
	"nl": set(`aan al als bij dat de den der die dit een en er het hij ik in is je maar me met mijn naar niet of om op te van voor was wat we ze zijn hallo bedankt`),
	"pt": set(`a ao aos as com da das de do dos e ela ele em esta eu meu minha na nas no nos o os ou para pela pelo por que se sua seu um uma ola obrigado`),
}

func set(words string) map[string]bool {
	m := map[string]bool{}
	for _, w := range strings.Fields(words) {
		m[w] = true
	}
	return m
}
