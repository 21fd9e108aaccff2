package demo

import (
	"math/rand/v2"
	"strconv"
	"strings"
	"time"
)

// The words of the desk's threads (desk.go): what agents answer, ask and
// promise, and what customers write back, in the languages the brand's
// customers write in. A customer's first message is the contact's own
// text (texts.go); everything after it is written here.
//
// Slots in braces are filled per conversation: {first} the customer's
// first name, {agent} the agent's, {order} the order's number ("#10000123",
// or "your order" in the language when there is none), {carrier},
// {tracking} the tracking number, {trackurl} its link, {product}, {code}
// the discount code, {date} a day a few days on, {deadline} the last day
// of the return window. A template with {tracking}, {trackurl}, {date},
// {deadline} or {product} is used only when the conversation knows that
// value; every list has templates without them.

// lang is a language customers and agents write in.
type lang uint8

const (
	langEN lang = iota
	langFR
	langDE
	langES
	langCount
)

// phrase is a list of variants per language.
type phrase [langCount][]string

// langOf draws the language a customer of the order's country writes in:
// the brand answers customers in their own language, and many of them
// write in English anyway (the web shop is in English first).
func langOf(r *rand.Rand, country string) lang {
	switch country {
	case "FR":
		if r.Float64() < 0.7 {
			return langFR
		}
	case "BE":
		if r.Float64() < 0.5 {
			return langFR
		}
	case "DE", "AT":
		if r.Float64() < 0.65 {
			return langDE
		}
	case "ES":
		if r.Float64() < 0.65 {
			return langES
		}
	}
	return langEN
}

// mailLocale is the language of the customer's mail program, which writes
// the line above quoted history whatever language the customer writes in.
func mailLocale(country string) string {
	switch country {
	case "FR", "BE":
		return "fr"
	case "DE", "AT":
		return "de"
	case "ES":
		return "es"
	case "NL":
		return "nl"
	case "IT":
		return "it"
	}
	return "en"
}

// What the slots become when the conversation does not know them.
var (
	noOrder   = [langCount]string{"your order", "votre commande", "Ihre Bestellung", "tu pedido"}
	noCarrier = [langCount]string{"the carrier", "le transporteur", "der Paketdienst", "la empresa de transporte"}
	noProduct = [langCount]string{"the item", "l'article", "der Artikel", "el artículo"}
)

// Greetings, sign-offs and the shapes of a message by channel.
var (
	mailHello = [langCount]string{"Hi {first},", "Bonjour {first},", "Hallo {first},", "Hola {first}:"}
	mailSign  = [langCount]string{"Best,\n{agent}\nAtelier Brume customer care", "Bien à vous,\n{agent}\nService client Atelier Brume",
		"Viele Grüße\n{agent}\nAtelier Brume Kundenservice", "Un saludo,\n{agent}\nAtención al cliente de Atelier Brume"}
	chatHello = [langCount]string{"Hi {first}! ", "Bonjour {first} ! ", "Hallo {first}! ", "¡Hola, {first}! "}
)

// deskAnswers: the agent's answer that settles the question, by topic.
var deskAnswers = [topicCount]phrase{
	tWISMO: {
		{"I've checked {order}: it's with {carrier} (tracking {tracking}) and should reach you within two working days. You can follow it here: {trackurl}",
			"Sorry for the wait. {carrier} has your parcel and the last scan was at their depot yesterday. I've asked them to prioritise it and I'm keeping an eye on it.",
			"{order} left our warehouse and is with {carrier}. It should be with you by {date}."},
		{"J'ai vérifié {order} : le colis est chez {carrier} (suivi {tracking}) et devrait vous parvenir sous deux jours ouvrés. Vous pouvez le suivre ici : {trackurl}",
			"Toutes nos excuses pour l'attente. {carrier} a bien votre colis, scanné hier à leur dépôt. Je leur ai demandé de le traiter en priorité et je le surveille."},
		{"Ich habe {order} geprüft: Das Paket ist bei {carrier} (Sendungsnummer {tracking}) und sollte innerhalb von zwei Werktagen bei Ihnen sein. Hier können Sie es verfolgen: {trackurl}",
			"Entschuldigen Sie die Wartezeit. {carrier} hat Ihr Paket, zuletzt gestern im Depot gescannt. Ich habe um bevorzugte Zustellung gebeten und behalte es im Blick."},
		{"He revisado {order}: está con {carrier} (seguimiento {tracking}) y debería llegarte en dos días laborables. Puedes seguirlo aquí: {trackurl}",
			"Perdona la espera. {carrier} tiene tu paquete, escaneado ayer en su almacén. Les he pedido que le den prioridad y lo sigo de cerca."},
	},
	tDelay: {
		{"I'm sorry about the delay on {order}. {carrier} reported a hold-up at their depot; the new estimate is {date}. If it hasn't arrived by then, I'll send a replacement straight away.",
			"Apologies for the delay. {carrier} is running late in your area this week; your parcel is on its way and I've refunded the shipping cost."},
		{"Toutes nos excuses pour le retard de {order}. {carrier} signale un incident à son dépôt ; la nouvelle date estimée est le {date}. S'il n'est pas arrivé d'ici là, nous vous renvoyons un colis aussitôt.",
			"Désolés pour ce retard. {carrier} a du retard dans votre secteur cette semaine ; votre colis est en route et je vous ai remboursé les frais de livraison."},
		{"Es tut mir leid, dass sich {order} verzögert. {carrier} meldet eine Verzögerung im Depot; neuer voraussichtlicher Termin ist {date}. Falls es bis dahin nicht da ist, schicke ich sofort Ersatz.",
			"Entschuldigen Sie die Verspätung. {carrier} ist diese Woche in Ihrer Region im Verzug; Ihr Paket ist unterwegs und ich habe Ihnen die Versandkosten erstattet."},
		{"Siento el retraso de {order}. {carrier} ha tenido un problema en su almacén; la nueva fecha estimada es el {date}. Si no ha llegado para entonces, te enviamos otro enseguida.",
			"Perdona el retraso. {carrier} va con retraso en tu zona esta semana; tu paquete está en camino y te he devuelto los gastos de envío."},
	},
	tReturn: {
		{"Of course. I've emailed you a prepaid return label: drop the parcel at any drop-off point before {deadline}. The refund is made within five days of it reaching our warehouse.",
			"You can return it free of charge: start the return at atelier-brume.example/returns with {order} and your email, and print the label there.",
			"Yes, you can return just one item. I've emailed you a label for the {product}; keep the rest of the parcel."},
		{"Bien sûr. Je vous ai envoyé une étiquette de retour prépayée par e-mail : déposez le colis en point relais avant le {deadline}. Le remboursement est fait sous cinq jours après réception à notre entrepôt.",
			"Le retour est gratuit : lancez-le sur atelier-brume.example/returns avec {order} et votre e-mail, et imprimez l'étiquette."},
		{"Natürlich. Ich habe Ihnen ein vorfrankiertes Rücksendeetikett geschickt: Geben Sie das Paket bis zum {deadline} an einer Annahmestelle ab. Die Erstattung erfolgt innerhalb von fünf Tagen nach Eingang in unserem Lager.",
			"Die Rücksendung ist kostenlos: Starten Sie sie unter atelier-brume.example/returns mit {order} und Ihrer E-Mail-Adresse und drucken Sie dort das Etikett."},
		{"Claro. Te he enviado por email una etiqueta de devolución prepagada: deja el paquete en un punto de recogida antes del {deadline}. El reembolso se hace en cinco días desde que llega a nuestro almacén.",
			"La devolución es gratuita: iníciala en atelier-brume.example/returns con {order} y tu email, e imprime allí la etiqueta."},
	},
	tRefund: {
		{"Your return reached our warehouse and the refund went out today. Depending on your bank, it shows on your statement within 3–5 working days.",
			"The refund is what you paid for the returned items, net of the discount code used on the order, which is why it's lower than the list price. I've emailed you the breakdown."},
		{"Votre retour est bien arrivé à notre entrepôt et le remboursement est parti aujourd'hui. Selon votre banque, il apparaîtra sous 3 à 5 jours ouvrés.",
			"Le remboursement correspond au prix payé pour les articles retournés, après le code promo utilisé sur la commande : c'est pour cela qu'il est inférieur au prix affiché."},
		{"Ihre Rücksendung ist in unserem Lager angekommen und die Erstattung wurde heute veranlasst. Je nach Bank sehen Sie sie in 3–5 Werktagen auf Ihrem Konto.",
			"Erstattet wird der bezahlte Preis der zurückgesandten Artikel abzüglich des Rabattcodes der Bestellung, deshalb ist der Betrag niedriger als der Listenpreis."},
		{"Tu devolución ha llegado a nuestro almacén y el reembolso ha salido hoy. Según tu banco, lo verás en 3–5 días laborables.",
			"El reembolso es lo que pagaste por los artículos devueltos, descontando el código promocional del pedido; por eso es menor que el precio de la web."},
	},
	tCancel: {
		{"Done: {order} is cancelled and the payment released. You'll see it back on your card within a few days.",
			"I'm sorry, {order} had already left our warehouse, so I can't cancel it. You can refuse the delivery or return it for free once it arrives."},
		{"C'est fait : {order} est annulée et le paiement libéré. Il réapparaîtra sur votre carte d'ici quelques jours.",
			"Désolés, {order} avait déjà quitté notre entrepôt et ne peut plus être annulée. Vous pouvez refuser le colis ou nous le retourner gratuitement."},
		{"Erledigt: {order} ist storniert und die Zahlung freigegeben. Der Betrag ist in wenigen Tagen wieder auf Ihrer Karte.",
			"Leider hatte {order} unser Lager schon verlassen, eine Stornierung ist nicht mehr möglich. Sie können die Annahme verweigern oder kostenlos zurücksenden."},
		{"Hecho: {order} está cancelado y el pago liberado. Lo verás de nuevo en tu tarjeta en unos días.",
			"Lo siento, {order} ya había salido de nuestro almacén y no se puede cancelar. Puedes rechazar la entrega o devolverlo gratis cuando llegue."},
	},
	tChange: {
		{"I've updated the delivery address on {order}. It hadn't left the warehouse yet, so it will go to the new address.",
			"I've swapped the size on {order} before it was packed. You'll get a new confirmation email shortly."},
		{"J'ai modifié l'adresse de livraison de {order}. Le colis n'était pas encore parti, il ira donc à la nouvelle adresse.",
			"J'ai changé la taille sur {order} avant la préparation du colis. Vous allez recevoir une nouvelle confirmation."},
		{"Ich habe die Lieferadresse von {order} geändert. Das Paket war noch nicht unterwegs und geht jetzt an die neue Adresse.",
			"Ich habe die Größe in {order} noch vor dem Packen getauscht. Sie bekommen gleich eine neue Bestätigung."},
		{"He cambiado la dirección de entrega de {order}. Aún no había salido del almacén, así que irá a la nueva dirección.",
			"He cambiado la talla en {order} antes de prepararlo. Recibirás un nuevo email de confirmación."},
	},
	tDamaged: {
		{"I'm so sorry about that. I've shipped a replacement {product} today and emailed you a prepaid label for the damaged one.",
			"Thank you for the photos. That's clearly a manufacturing fault: a replacement is on its way and there's no need to send the damaged one back."},
		{"Toutes nos excuses. Nous vous envoyons un article de remplacement aujourd'hui, et je vous ai transmis une étiquette prépayée pour retourner celui qui est abîmé.",
			"Merci pour les photos. C'est bien un défaut de fabrication : un remplacement est en route, inutile de nous renvoyer l'article."},
		{"Das tut mir sehr leid. Ich habe heute Ersatz verschickt und Ihnen ein vorfrankiertes Etikett für den beschädigten Artikel gemailt.",
			"Danke für die Fotos. Das ist eindeutig ein Produktionsfehler: Ersatz ist unterwegs, den beschädigten Artikel müssen Sie nicht zurückschicken."},
		{"Lo siento mucho. Hoy te hemos enviado un artículo de reemplazo y te he mandado una etiqueta prepagada para devolver el dañado.",
			"Gracias por las fotos. Es un defecto de fabricación: el reemplazo ya está en camino y no hace falta que nos devuelvas el dañado."},
	},
	tWrong: {
		{"Sorry for the mix-up! The right item left our warehouse this morning and I've emailed you a free return label for the one you received.",
			"Apologies: the missing item was left out at packing. It's on its way now with {carrier}, tracking {tracking}."},
		{"Toutes nos excuses pour l'erreur ! Le bon article est parti de notre entrepôt ce matin et je vous ai envoyé une étiquette de retour gratuite pour celui reçu."},
		{"Entschuldigen Sie die Verwechslung! Der richtige Artikel hat heute Morgen unser Lager verlassen, und ich habe Ihnen ein kostenloses Rücksendeetikett für den falschen geschickt."},
		{"¡Perdona la confusión! El artículo correcto salió esta mañana de nuestro almacén y te he enviado una etiqueta de devolución gratuita para el que recibiste."},
	},
	tProduct: {
		{"The {product} is 100% organic cotton: machine wash at 30 °C, inside out, and no tumble dryer so it keeps its shape.",
			"Good news: the {product} is back in stock in every size next week. I've added you to the notification list.",
			"It's true to size: take your usual size, or one up if you like a looser fit. Machine wash at 30 °C, no tumble dryer."},
		{"{product} : 100 % coton bio, lavage en machine à 30 °C sur l'envers, et pas de sèche-linge pour qu'il garde sa forme.",
			"Il taille normalement : prenez votre taille habituelle, ou la suivante pour un tombé plus ample. Lavage à 30 °C, pas de sèche-linge."},
		{"{product}: 100 % Bio-Baumwolle, Maschinenwäsche bei 30 °C auf links, bitte nicht in den Trockner, damit die Form erhalten bleibt.",
			"Das Modell fällt normal aus: Nehmen Sie Ihre übliche Größe, für einen lockeren Sitz eine größer. Wäsche bei 30 °C, kein Trockner."},
		{"{product}: 100 % algodón orgánico, lavado a máquina a 30 °C del revés y sin secadora para que no pierda la forma.",
			"Talla normal: coge tu talla de siempre, o una más si lo prefieres holgado. Lavado a 30 °C, sin secadora."},
	},
	tSizing: {
		{"This model runs small, so we recommend one size up. I've set up a free exchange: the label is in your inbox.",
			"Going by the measurements you sent, I'd take the next size. The exchange is free and the new size is reserved for you."},
		{"Ce modèle taille petit, nous conseillons la taille au-dessus. J'ai préparé un échange gratuit : l'étiquette est dans votre boîte mail."},
		{"Dieses Modell fällt klein aus, wir empfehlen eine Nummer größer. Ich habe einen kostenlosen Umtausch angelegt, das Etikett ist in Ihrem Postfach."},
		{"Este modelo talla pequeño, te recomendamos una talla más. He preparado un cambio gratuito: tienes la etiqueta en tu correo."},
	},
	tPayment: {
		{"I can see two authorisations on {order}, but only one was captured: your bank releases the other one automatically within 5 days.",
			"The payment didn't go through on our side, so nothing was charged. You can place the order again, or pay by PayPal if your card keeps failing."},
		{"Je vois deux autorisations sur {order}, mais une seule a été débitée : votre banque libérera l'autre automatiquement sous 5 jours."},
		{"Ich sehe zwei Autorisierungen zu {order}, aber nur eine wurde abgebucht: Die andere gibt Ihre Bank innerhalb von 5 Tagen automatisch frei."},
		{"Veo dos autorizaciones en {order}, pero solo se ha cobrado una: tu banco liberará la otra automáticamente en 5 días."},
	},
	tDiscount: {
		{"{code} is only valid on full-price items, which is why it didn't apply. As a goodwill gesture I've refunded the difference on {order}.",
			"I've checked and {code} has expired, sorry. Here's a 10% code for your next order instead: MERCI10."},
		{"{code} n'est valable que sur les articles plein tarif, c'est pour cela qu'il ne s'est pas appliqué. À titre commercial, je vous ai remboursé la différence sur {order}."},
		{"{code} gilt nur für nicht reduzierte Artikel, deshalb wurde er nicht angewendet. Aus Kulanz habe ich Ihnen die Differenz zu {order} erstattet."},
		{"{code} solo es válido en artículos sin rebaja, por eso no se aplicó. Como gesto comercial te he devuelto la diferencia de {order}."},
	},
	tAccount: {
		{"Done: I've updated your account. You'll get a confirmation email within the hour; if it doesn't arrive, check your spam folder for mail from no-reply@atelier-brume.example.",
			"I've sent a new password reset link; it's valid for one hour."},
		{"Je vous ai envoyé un nouveau lien de réinitialisation, valable une heure. S'il n'arrive pas, regardez dans vos spams (expéditeur no-reply@atelier-brume.example)."},
		{"Ich habe Ihnen einen neuen Link zum Zurücksetzen des Passworts geschickt, eine Stunde gültig. Falls er nicht ankommt, sehen Sie bitte im Spam-Ordner nach."},
		{"Te he enviado un nuevo enlace para restablecer la contraseña, válido una hora. Si no llega, revisa la carpeta de spam."},
	},
	tSubscription: {
		{"Done: you're unsubscribed from our newsletter and text messages. Campaigns already scheduled can take up to 48 hours to stop."},
		{"C'est fait : votre adresse est retirée de la newsletter et des SMS. Comptez jusqu'à 48 h pour les envois déjà programmés."},
		{"Erledigt: Sie sind vom Newsletter und von den SMS abgemeldet. Bereits geplante Aussendungen können noch bis zu 48 Stunden kommen."},
		{"Hecho: te hemos dado de baja de la newsletter y de los SMS. Los envíos ya programados pueden tardar hasta 48 horas en parar."},
	},
	tOther: {
		{"Thank you for your message! I've passed it to the right team, who will get back to you this week.",
			"Thanks for reaching out. Yes, we do: just leave a note at checkout and we'll take care of it."},
		{"Merci pour votre message ! Je l'ai transmis à l'équipe concernée, qui vous répondra cette semaine."},
		{"Vielen Dank für Ihre Nachricht! Ich habe sie an das zuständige Team weitergeleitet, das sich diese Woche bei Ihnen meldet."},
		{"¡Gracias por tu mensaje! Lo he pasado al equipo correspondiente, que te responderá esta semana."},
	},
}

// deskAsks: the agent's question, which leaves the conversation waiting on
// the customer. Topics without one of their own use tOther's.
var deskAsks = [topicCount]phrase{
	tWISMO: {
		{"Could you confirm the delivery address, and whether there's a safe place or a neighbour I can mention to {carrier}?"},
		{"Pouvez-vous me confirmer l'adresse de livraison, et s'il y a un voisin ou un endroit sûr à indiquer à {carrier} ?"},
		{"Können Sie mir die Lieferadresse bestätigen und ob es einen Nachbarn oder Ablageort gibt, den ich {carrier} nennen kann?"},
		{"¿Puedes confirmarme la dirección de entrega y si hay algún vecino o sitio seguro que pueda indicar a {carrier}?"},
	},
	tDamaged: {
		{"Could you send us a photo of the damage, and one of the label on the box? Then I'll arrange a replacement straight away."},
		{"Pourriez-vous nous envoyer une photo du défaut, et une de l'étiquette du colis ? J'organise le remplacement dès réception."},
		{"Könnten Sie uns ein Foto des Schadens und eines vom Paketetikett schicken? Dann veranlasse ich sofort den Ersatz."},
		{"¿Podrías enviarnos una foto del daño y otra de la etiqueta de la caja? Así preparo el reemplazo enseguida."},
	},
	tWrong: {
		{"Could you send a photo of the item you received and of its label? Then I'll ship the right one."},
		{"Pourriez-vous m'envoyer une photo de l'article reçu et de son étiquette ? J'expédie ensuite le bon."},
		{"Könnten Sie mir ein Foto des erhaltenen Artikels und seines Etiketts schicken? Dann schicke ich den richtigen."},
		{"¿Podrías enviarme una foto del artículo que recibiste y de su etiqueta? Así te envío el correcto."},
	},
	tSizing: {
		{"Which size would you like instead? I'll check it's in stock and set up the exchange."},
		{"Quelle taille souhaitez-vous à la place ? Je vérifie le stock et je prépare l'échange."},
		{"Welche Größe hätten Sie gern stattdessen? Ich prüfe den Bestand und lege den Umtausch an."},
		{"¿Qué talla quieres en su lugar? Compruebo el stock y preparo el cambio."},
	},
	tReturn: {
		{"Could you give me the return tracking number, or a photo of the drop-off receipt? I'll chase the warehouse."},
		{"Pourriez-vous me donner le numéro de suivi du retour, ou une photo du reçu de dépôt ? Je relance l'entrepôt."},
		{"Können Sie mir die Sendungsnummer der Rücksendung oder ein Foto des Einlieferungsbelegs schicken? Ich hake beim Lager nach."},
		{"¿Puedes darme el número de seguimiento de la devolución o una foto del justificante de entrega? Reclamo al almacén."},
	},
	tPayment: {
		{"Could you send me the last four digits of the card and the dates of the two charges? I'll check with our payment provider."},
		{"Pourriez-vous m'indiquer les quatre derniers chiffres de la carte et les dates des deux débits ? Je vérifie auprès de notre prestataire de paiement."},
		{"Könnten Sie mir die letzten vier Ziffern der Karte und die Daten der beiden Abbuchungen nennen? Ich kläre das mit unserem Zahlungsanbieter."},
		{"¿Podrías darme los cuatro últimos dígitos de la tarjeta y las fechas de los dos cargos? Lo reviso con nuestro proveedor de pagos."},
	},
	tCancel: {
		{"Would you like me to cancel the whole order, or only one item of it?"},
		{"Souhaitez-vous annuler toute la commande, ou seulement un article ?"},
		{"Möchten Sie die ganze Bestellung stornieren oder nur einen Artikel?"},
		{"¿Quieres cancelar todo el pedido o solo un artículo?"},
	},
	tChange: {
		{"Could you send me the full new address, with the postcode and a phone number for the courier?"},
		{"Pouvez-vous m'envoyer la nouvelle adresse complète, avec le code postal et un numéro de téléphone pour le livreur ?"},
		{"Können Sie mir die vollständige neue Adresse mit Postleitzahl und einer Telefonnummer für den Zusteller schicken?"},
		{"¿Puedes enviarme la nueva dirección completa, con el código postal y un teléfono para el repartidor?"},
	},
	tRefund: {
		{"Could you tell me which items you sent back, and on what day?"},
		{"Pouvez-vous me dire quels articles vous avez renvoyés, et quel jour ?"},
		{"Welche Artikel haben Sie zurückgeschickt, und an welchem Tag?"},
		{"¿Qué artículos devolviste y qué día?"},
	},
	tProduct: {
		{"Which size do you usually wear? Then I can tell you how it fits."},
		{"Quelle taille portez-vous habituellement ? Je vous dirai comment il taille."},
		{"Welche Größe tragen Sie normalerweise? Dann sage ich Ihnen, wie es ausfällt."},
		{"¿Qué talla sueles usar? Así te digo cómo queda."},
	},
	tDiscount: {
		{"Could you tell me where you found the code, and send me a screenshot of the checkout?"},
		{"Pouvez-vous me dire où vous avez trouvé le code, et m'envoyer une capture de la page de paiement ?"},
		{"Wo haben Sie den Code gefunden? Können Sie mir einen Screenshot der Kasse schicken?"},
		{"¿Dónde encontraste el código? ¿Puedes enviarme una captura del pago?"},
	},
	tSubscription: {
		{"Which email address keeps receiving the messages? I'll remove it everywhere."},
		{"Quelle adresse reçoit encore les messages ? Je la retire partout."},
		{"An welche Adresse kommen die Nachrichten noch? Ich entferne sie überall."},
		{"¿A qué dirección siguen llegando los mensajes? La quito de todas partes."},
	},
	tAccount: {
		{"Could you confirm the email address you used when you created the account?"},
		{"Pouvez-vous me confirmer l'adresse e-mail utilisée à la création du compte ?"},
		{"Können Sie mir die E-Mail-Adresse bestätigen, mit der Sie das Konto angelegt haben?"},
		{"¿Puedes confirmarme el email con el que creaste la cuenta?"},
	},
	tOther: {
		{"Could you tell me a little more, and give me your order number if you have one?"},
		{"Pourriez-vous m'en dire un peu plus, et me donner votre numéro de commande si vous l'avez ?"},
		{"Könnten Sie mir etwas mehr dazu sagen und, falls vorhanden, Ihre Bestellnummer nennen?"},
		{"¿Podrías contarme un poco más y darme tu número de pedido si lo tienes?"},
	},
}

// deskAnswersToAsks: the customer's answer to the agent's question.
var deskAnswersToAsks = [topicCount]phrase{
	tWISMO: {
		{"The address is right. There's a parcel box by the door, or my neighbour at number 14 can take it."},
		{"L'adresse est bonne. Il y a une boîte à colis près de la porte, sinon ma voisine du 14 peut le prendre."},
		{"Die Adresse stimmt. Neben der Tür steht eine Paketbox, sonst kann meine Nachbarin in Nummer 14 es annehmen."},
		{"La dirección es correcta. Hay un buzón de paquetes junto a la puerta, o mi vecina del 14 puede recogerlo."},
	},
	tDamaged: {
		{"Here are the photos. The seam is torn on the left side and the box was crushed."},
		{"Voici les photos. La couture est déchirée sur le côté gauche et le carton était écrasé."},
		{"Anbei die Fotos. Die Naht ist links aufgerissen und der Karton war eingedrückt."},
		{"Te adjunto las fotos. La costura está rota por el lado izquierdo y la caja llegó aplastada."},
	},
	tWrong: {
		{"Photos attached: it's a different colour and the label says another size."},
		{"Photos jointes : ce n'est pas la bonne couleur et l'étiquette indique une autre taille."},
		{"Fotos anbei: andere Farbe, und auf dem Etikett steht eine andere Größe."},
		{"Fotos adjuntas: es otro color y la etiqueta pone otra talla."},
	},
	tSizing: {
		{"One size up, please. Thanks for checking!"},
		{"La taille au-dessus, s'il vous plaît. Merci !"},
		{"Eine Nummer größer, bitte. Danke fürs Nachsehen!"},
		{"Una talla más, por favor. ¡Gracias!"},
	},
	tReturn: {
		{"The drop-off receipt is attached, I sent it last Tuesday."},
		{"Le reçu de dépôt est en pièce jointe, je l'ai envoyé mardi dernier."},
		{"Der Einlieferungsbeleg ist angehängt, ich habe es letzten Dienstag abgegeben."},
		{"Te adjunto el justificante, lo envié el martes pasado."},
	},
	tPayment: {
		{"The card ends in 4417, both charges are from the same day."},
		{"La carte se termine par 4417, les deux débits sont du même jour."},
		{"Die Karte endet auf 4417, beide Abbuchungen sind vom selben Tag."},
		{"La tarjeta termina en 4417, los dos cargos son del mismo día."},
	},
	tCancel: {
		{"Just the shoes, please. I'll keep the rest."},
		{"Seulement les chaussures, s'il vous plaît. Je garde le reste."},
		{"Nur die Schuhe, bitte. Den Rest behalte ich."},
		{"Solo los zapatos, por favor. El resto me lo quedo."},
	},
	tChange: {
		{"It's 8 rue des Lilas, 69003 Lyon, and my number is 06 12 34 56 78."},
		{"C'est 8 rue des Lilas, 69003 Lyon, et mon numéro est le 06 12 34 56 78."},
		{"Lindenstraße 8, 10115 Berlin, Telefon 0151 2345678."},
		{"Es calle Mayor 8, 28013 Madrid, y mi teléfono es 612 345 678."},
	},
	tRefund: {
		{"Only the {product}. I dropped it off last Monday.", "Just one item, dropped off last Monday."},
		{"Seulement {product}, déposé lundi dernier.", "Un seul article, déposé lundi dernier."},
		{"Nur {product}, abgegeben am letzten Montag.", "Nur einen Artikel, abgegeben am letzten Montag."},
		{"Solo {product}, lo entregué el lunes pasado.", "Solo un artículo, lo entregué el lunes pasado."},
	},
	tProduct: {
		{"Usually an M, sometimes an L in tops."},
		{"En général du M, parfois du L pour les hauts."},
		{"Meistens M, bei Oberteilen manchmal L."},
		{"Normalmente una M, a veces una L en camisetas."},
	},
	tDiscount: {
		{"It was in your newsletter. Screenshot attached."},
		{"Il était dans votre newsletter. Capture jointe."},
		{"Er stand in Ihrem Newsletter. Screenshot anbei."},
		{"Venía en vuestra newsletter. Te adjunto la captura."},
	},
	tSubscription: {
		{"This one, the one I'm writing from."},
		{"Celle-ci, celle depuis laquelle j'écris."},
		{"Diese hier, von der ich schreibe."},
		{"Esta, desde la que escribo."},
	},
	tAccount: {
		{"It's the address I'm writing from."},
		{"C'est l'adresse depuis laquelle je vous écris."},
		{"Es ist die Adresse, von der ich gerade schreibe."},
		{"Es la dirección desde la que te escribo."},
	},
	tOther: {
		{"Sorry, I should have said: it's about my last order."},
		{"Pardon, j'aurais dû préciser : c'est pour ma dernière commande."},
		{"Entschuldigung, ich hätte es sagen sollen: Es geht um meine letzte Bestellung."},
		{"Perdona, debí decirlo: es sobre mi último pedido."},
	},
}

// deskFollowUps: what a customer asks after an answer, each with the
// agent's answer to it.
var deskFollowUps = [langCount][][2]string{
	{{"Thanks! How long will that take?", "Usually 3–5 working days. I'll keep an eye on it for you."},
		{"Ok, thank you. Can you confirm by email?", "Of course: you'll get a confirmation email in the next few minutes."},
		{"Great, and do I need to do anything else?", "Nothing else to do on your side: I've taken care of it."},
		{"Thanks. Will I be charged anything for this?", "Not a cent: it's on us."}},
	{{"Merci ! Ça prend combien de temps ?", "En général 3 à 5 jours ouvrés. Je garde un œil dessus."},
		{"D'accord, merci. Vous pouvez me le confirmer par e-mail ?", "Bien sûr, vous allez recevoir une confirmation par e-mail dans quelques minutes."},
		{"Merci. Je dois faire autre chose de mon côté ?", "Rien d'autre à faire de votre côté : je m'en suis occupé."}},
	{{"Danke! Wie lange dauert das ungefähr?", "In der Regel 3–5 Werktage. Ich behalte es für Sie im Blick."},
		{"Okay, danke. Bekomme ich das noch per E-Mail bestätigt?", "Natürlich, Sie bekommen in den nächsten Minuten eine Bestätigung per E-Mail."},
		{"Danke. Muss ich sonst noch etwas tun?", "Sie müssen nichts weiter tun, ich habe alles erledigt."}},
	{{"¡Gracias! ¿Cuánto tardará?", "Normalmente 3–5 días laborables. Lo sigo de cerca."},
		{"Vale, gracias. ¿Me lo confirmáis por email?", "Claro, recibirás un email de confirmación en unos minutos."},
		{"Gracias. ¿Tengo que hacer algo más?", "No tienes que hacer nada más: ya me he encargado."}},
}

var (
	// The customer chases an answer that has not settled it: about a
	// parcel, a refund, or anything.
	deskChasesParcel = phrase{
		{"Any news? It still hasn't arrived.", "Hello? Still nothing today, and the tracking hasn't moved."},
		{"Des nouvelles ? Toujours rien reçu.", "Bonjour, toujours rien aujourd'hui et le suivi n'a pas bougé."},
		{"Gibt es Neuigkeiten? Es ist immer noch nichts angekommen.", "Hallo, heute wieder nichts, und die Sendungsverfolgung bewegt sich nicht."},
		{"¿Alguna novedad? Sigue sin llegar.", "Hola, hoy tampoco ha llegado nada y el seguimiento no se mueve."},
	}
	deskChasesRefund = phrase{
		{"Still nothing on my card. Can you check the refund, please?", "Any news about my refund?"},
		{"Toujours rien sur ma carte. Vous pouvez vérifier le remboursement ?"},
		{"Immer noch nichts auf meiner Karte. Können Sie die Erstattung prüfen?"},
		{"Sigo sin ver nada en la tarjeta. ¿Podéis revisar el reembolso?"},
	}
	deskChases = phrase{
		{"Hi again, I haven't heard back. Could someone look at this please?", "Any update on this? I'm still waiting."},
		{"Je relance : je n'ai pas eu de réponse. Quelqu'un peut regarder ?", "Des nouvelles ? J'attends toujours."},
		{"Ich habe noch keine Antwort bekommen. Kann sich bitte jemand darum kümmern?", "Gibt es etwas Neues? Ich warte noch."},
		{"No he recibido respuesta. ¿Alguien puede revisarlo, por favor?", "¿Alguna novedad? Sigo esperando."},
	}
	// The agent is on it and will come back (the middle of a long thread).
	deskHolding = phrase{
		{"I've opened an investigation with {carrier}. They usually answer within 48 hours, and I'll write as soon as I hear back.",
			"I've asked our warehouse to check the packing record and I'll come back to you as soon as they answer."},
		{"J'ai ouvert une enquête auprès de {carrier}. Ils répondent en général sous 48 h, je vous écris dès que j'ai leur retour.",
			"J'ai demandé à l'entrepôt de vérifier la préparation du colis et je reviens vers vous dès qu'ils m'ont répondu."},
		{"Ich habe bei {carrier} einen Nachforschungsauftrag eröffnet. Sie antworten meist innerhalb von 48 Stunden, ich melde mich sofort.",
			"Ich habe unser Lager gebeten, die Verpackung zu prüfen, und melde mich, sobald ich eine Antwort habe."},
		{"He abierto una investigación con {carrier}. Suelen responder en 48 horas y te escribo en cuanto sepa algo.",
			"He pedido al almacén que revise la preparación del pedido y te escribo en cuanto me respondan."},
	}
	// The agent's promise before the conversation is snoozed until {date}.
	deskSnoozing = phrase{
		{"I've opened an investigation with {carrier}. They have until {date} to find the parcel; I'll come back to you that day at the latest, with a replacement if it's lost."},
		{"J'ai ouvert une enquête auprès de {carrier}. Ils ont jusqu'au {date} pour retrouver le colis ; je reviens vers vous ce jour-là au plus tard, avec un renvoi s'il est perdu."},
		{"Ich habe bei {carrier} einen Nachforschungsauftrag eröffnet. Sie haben bis {date} Zeit; ich melde mich spätestens an dem Tag, mit Ersatz, falls das Paket verloren ist."},
		{"He abierto una investigación con {carrier}. Tienen hasta el {date} para encontrar el paquete; te escribo ese día como muy tarde, con un reenvío si se ha perdido."},
	}
	// The customer's thanks: the last word of many threads.
	deskThanks = phrase{
		{"Perfect, thank you!", "Great, thanks for the quick help.", "Thanks a lot, that's sorted then.", "Brilliant, thank you so much!"},
		{"Parfait, merci beaucoup !", "Super, merci pour la réponse rapide.", "Merci, c'est parfait."},
		{"Super, vielen Dank!", "Danke für die schnelle Hilfe.", "Perfekt, danke schön."},
		{"¡Perfecto, muchas gracias!", "Genial, gracias por la rapidez.", "Muchas gracias, todo claro."},
	}
	// The agent's last word.
	deskClosings = phrase{
		{"You're welcome! Have a lovely day.", "Happy to help. Enjoy the {product}!", "Anytime! Don't hesitate if anything else comes up."},
		{"Avec plaisir ! Belle journée à vous.", "Je vous en prie, n'hésitez pas si besoin."},
		{"Gern geschehen! Einen schönen Tag noch.", "Sehr gern, melden Sie sich jederzeit."},
		{"¡De nada! Que tengas un buen día.", "Un placer, aquí estamos para lo que necesites."},
	}
	// Comments left with a satisfaction score.
	csatGood = phrase{
		{"Quick and friendly, thank you!", "Sorted in one message.", "Really helpful, thanks {agent}."},
		{"Merci pour la rapidité !", "Très aimable, merci {agent}."},
		{"Schnell und freundlich, danke!", "Sehr hilfsbereit."},
		{"¡Muy amables y rápidos!", "Gracias {agent}, todo resuelto."},
	}
	csatBad = phrase{
		{"Took days to get an answer.", "Still waiting for my parcel.", "I had to explain everything twice."},
		{"Beaucoup trop long pour avoir une réponse.", "J'attends toujours mon colis."},
		{"Viel zu lange auf eine Antwort gewartet.", "Das Paket ist immer noch nicht da."},
		{"Tardaron mucho en responder.", "Sigo esperando mi pedido."},
	}
)

// Internal notes: the team speaks English and French among itself. The
// handovers and heads-ups mention the demo's agent (@sam).
var (
	handoverNotes = []string{
		"@sam can you take this one over? I'm off tomorrow and the customer has already chased.",
		"@sam je te laisse celui-ci, je suis en congé demain. Le client attend notre retour.",
		"@sam over to you: {carrier} claim is open, check it again before answering.",
	}
	headsUpNotes = []string{
		"@sam loyal customer (several orders this year): we can offer express reshipping if it comes to that.",
		"@sam heads-up: the carrier confirmed the parcel is lost, we can reship without waiting for the claim.",
		"@sam client fidèle, on peut lui offrir la livraison express.",
	}
)

// plainNote is an agent's note to the team about a conversation on the
// topic.
func plainNote(t topic) string {
	switch t {
	case tWISMO, tDelay:
		return "Carrier claim opened with {carrier}, reference in the tracking notes."
	case tDamaged, tWrong:
		return "Photos forwarded to the quality team; the Lille warehouse is checking the packing record."
	case tReturn, tRefund:
		return "Asked the warehouse whether the return has arrived."
	case tSizing, tChange:
		return "Checked the stock: the new size is there, reserved for 48 h."
	}
	return "Customer prefers to be contacted by email."
}

// deskSavedReplies are the store's saved replies (desk.SaveReply), with
// the variables the composer fills in.
var deskSavedReplies = []struct{ name, body string }{
	{"Where is my order", "Hi {{first_name}},\n\nThanks for your patience. Your order {{order_number}} is {{order_status}}; you can follow it here: {{tracking_link}}\n\nIf it hasn't arrived within two working days, just reply to this message and I'll sort it out."},
	{"Delivery delayed", "Hi {{first_name}},\n\nI'm sorry your order {{order_number}} is taking longer than promised. The carrier has it ({{tracking_link}}) and I'm following it closely. If it isn't with you by the end of the week, we'll send a replacement at no cost."},
	{"Return label", "Hi {{first_name}},\n\nOf course! You can return order {{order_number}} free of charge until {{return_deadline}}. I've emailed you a prepaid label: drop the parcel at any drop-off point. Your refund is made within five days of it reaching our warehouse."},
	{"Refund on its way", "Hi {{first_name}},\n\nYour return for order {{order_number}} has reached our warehouse and the refund is on its way. Depending on your bank, it shows on your statement within 3–5 working days."},
	{"Damaged item: replacement", "Hi {{first_name}},\n\nI'm so sorry your order {{order_number}} arrived damaged. A replacement leaves our warehouse today and there is no need to send the damaged item back. You'll be able to follow it here: {{tracking_link}}"},
	{"Wrong size: free exchange", "Hi {{first_name}},\n\nNo problem: exchanges are free until {{return_deadline}}. Reply with the size you'd like and I'll reserve it, then send the item from order {{order_number}} back with the label I've emailed you."},
	{"Cancel order", "Hi {{first_name}},\n\nYour order {{order_number}} is cancelled and the payment released: you'll see it back on your card within a few days."},
	{"Change of address", "Hi {{first_name}},\n\nI've updated the delivery address of order {{order_number}} ({{order_status}}). You'll receive a new confirmation by email."},
	{"Discount code", "Hi {{first_name}},\n\nDiscount codes apply to full-price items only, which is why yours didn't apply to order {{order_number}}. As a goodwill gesture I've refunded the difference."},
	{"Suivi de commande (FR)", "Bonjour {{first_name}},\n\nMerci pour votre patience. Votre commande {{order_number}} est {{order_status}} ; vous pouvez la suivre ici : {{tracking_link}}\n\nBelle journée,\nService client Atelier Brume"},
}

// deskSlots are the values a thread's templates take.
type deskSlots struct {
	first, agent, order, carrier, tracking, trackURL, product, code string
	lang                                                            lang
	date, deadline                                                  time.Time // zero: unknown
	loc                                                             *time.Location
}

// optionalSlots are the slots a template may only use when known.
var optionalSlots = []string{"{tracking}", "{trackurl}", "{date}", "{deadline}", "{product}"}

func (s *deskSlots) has(slot string) bool {
	switch slot {
	case "{tracking}":
		return s.tracking != ""
	case "{trackurl}":
		return s.trackURL != ""
	case "{date}":
		return !s.date.IsZero()
	case "{deadline}":
		return !s.deadline.IsZero()
	case "{product}":
		return s.product != ""
	}
	return true
}

// say picks a variant of p in the slots' language that uses only known
// slots, and fills it in.
func (s *deskSlots) say(r *rand.Rand, p phrase) string {
	list := p[s.lang]
	if len(list) == 0 {
		list = p[langEN]
	}
	var ok []string
	for _, t := range list {
		usable := true
		for _, slot := range optionalSlots {
			if strings.Contains(t, slot) && !s.has(slot) {
				usable = false
				break
			}
		}
		if usable {
			ok = append(ok, t)
		}
	}
	if len(ok) == 0 && s.lang != langEN {
		// Every list has a usable variant in each language
		// (TestDeskTexts); English is the net all the same.
		en := *s
		en.lang = langEN
		return en.say(r, p)
	}
	if len(ok) == 0 {
		ok = list
	}
	return s.fill(pick(r, ok))
}

// fill replaces the slots of one text.
func (s *deskSlots) fill(t string) string {
	if !strings.Contains(t, "{") {
		return t
	}
	var b strings.Builder
	b.Grow(len(t) + 40)
	for {
		i := strings.IndexByte(t, '{')
		j := strings.IndexByte(t[max(i, 0):], '}')
		if i < 0 || j < 0 {
			b.WriteString(t)
			break
		}
		b.WriteString(t[:i])
		b.WriteString(s.value(t[i : i+j+1]))
		t = t[i+j+1:]
	}
	out := b.String()
	// A text that starts with a slot starts with a capital.
	if len(out) > 0 && out[0] >= 'a' && out[0] <= 'z' {
		out = string(out[0]-'a'+'A') + out[1:]
	}
	return out
}

// value is what a slot becomes, in the slots' language when it is not
// known.
func (s *deskSlots) value(slot string) string {
	switch slot {
	case "{first}":
		return s.first
	case "{agent}":
		return s.agent
	case "{order}":
		return cmpOr(s.order, noOrder[s.lang])
	case "{carrier}":
		return cmpOr(s.carrier, noCarrier[s.lang])
	case "{product}":
		return cmpOr(s.product, noProduct[s.lang])
	case "{tracking}":
		return s.tracking
	case "{trackurl}":
		return s.trackURL
	case "{code}":
		return s.code
	case "{date}":
		return longDate(s.date, s.lang, s.loc)
	case "{deadline}":
		return longDate(s.deadline, s.lang, s.loc)
	}
	return slot
}

// Day and month names for dates written in a message.
var (
	dayNames = [langCount][7]string{
		{"Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday"},
		{"dimanche", "lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi"},
		{"Sonntag", "Montag", "Dienstag", "Mittwoch", "Donnerstag", "Freitag", "Samstag"},
		{"domingo", "lunes", "martes", "miércoles", "jueves", "viernes", "sábado"},
	}
	monthNames = [langCount][12]string{
		{"January", "February", "March", "April", "May", "June", "July", "August", "September", "October", "November", "December"},
		{"janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août", "septembre", "octobre", "novembre", "décembre"},
		{"Januar", "Februar", "März", "April", "Mai", "Juni", "Juli", "August", "September", "Oktober", "November", "Dezember"},
		{"enero", "febrero", "marzo", "abril", "mayo", "junio", "julio", "agosto", "septiembre", "octubre", "noviembre", "diciembre"},
	}
)

// longDate writes a day as people do: "Thursday 3 December", "jeudi 3
// décembre", "Donnerstag, 3. Dezember", "jueves 3 de diciembre".
func longDate(t time.Time, l lang, loc *time.Location) string {
	if t.IsZero() {
		return ""
	}
	t = t.In(loc)
	d, m, n := dayNames[l][t.Weekday()], monthNames[l][t.Month()-1], t.Day()
	switch l {
	case langFR:
		return d + " " + strconv.Itoa(n) + " " + m
	case langDE:
		return d + ", " + strconv.Itoa(n) + ". " + m
	case langES:
		return d + " " + strconv.Itoa(n) + " de " + m
	}
	return d + " " + strconv.Itoa(n) + " " + m
}

// Mail programs' abbreviations, for the line above quoted history.
var (
	shortDays = map[string][7]string{
		"en": {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"},
		"fr": {"dim.", "lun.", "mar.", "mer.", "jeu.", "ven.", "sam."},
		"de": {"So.", "Mo.", "Di.", "Mi.", "Do.", "Fr.", "Sa."},
		"es": {"dom", "lun", "mar", "mié", "jue", "vie", "sáb"},
		"nl": {"zo", "ma", "di", "wo", "do", "vr", "za"},
		"it": {"dom", "lun", "mar", "mer", "gio", "ven", "sab"},
	}
	shortMonths = map[string][12]string{
		"en": {"Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"},
		"fr": {"janv.", "févr.", "mars", "avr.", "mai", "juin", "juil.", "août", "sept.", "oct.", "nov.", "déc."},
		"de": {"Jan.", "Feb.", "März", "Apr.", "Mai", "Juni", "Juli", "Aug.", "Sept.", "Okt.", "Nov.", "Dez."},
		"es": {"ene", "feb", "mar", "abr", "may", "jun", "jul", "ago", "sept", "oct", "nov", "dic"},
		"nl": {"jan.", "feb.", "mrt.", "apr.", "mei", "jun.", "jul.", "aug.", "sep.", "okt.", "nov.", "dec."},
		"it": {"gen", "feb", "mar", "apr", "mag", "giu", "lug", "ago", "set", "ott", "nov", "dic"},
	}
	mobileSignatures = map[string]string{
		"en": "Sent from my iPhone", "fr": "Envoyé de mon iPhone", "de": "Von meinem iPhone gesendet",
		"es": "Enviado desde mi iPhone", "nl": "Verstuurd vanaf mijn iPhone", "it": "Inviato da iPhone",
	}
)

// quoteHeader is the line a mail program writes above the message it
// quotes, in its locale ("On Tue, 24 Nov 2026 at 10:12, … wrote:").
func quoteHeader(locale string, at time.Time, from string) string {
	d, m := shortDays[locale][at.Weekday()], shortMonths[locale][at.Month()-1]
	day, year, clock := strconv.Itoa(at.Day()), strconv.Itoa(at.Year()), at.Format("15:04")
	switch locale {
	case "fr":
		return "Le " + d + " " + day + " " + m + " " + year + " à " + clock + ", " + from + " a écrit :"
	case "de":
		return "Am " + d + ", " + day + ". " + m + " " + year + " um " + clock + " Uhr schrieb " + from + ":"
	case "es":
		return "El " + d + ", " + day + " " + m + " " + year + " a las " + clock + ", " + from + " escribió:"
	case "nl":
		return "Op " + d + " " + day + " " + m + " " + year + " om " + clock + " schreef " + from + ":"
	case "it":
		return "Il giorno " + d + " " + day + " " + m + " " + year + " alle ore " + clock + " " + from + " ha scritto:"
	}
	return "On " + d + ", " + day + " " + m + " " + year + " at " + clock + ", " + from + " wrote:"
}

// quoteMessage is the history a customer's reply carries below their own
// words: a mobile signature sometimes, then the brand's message quoted the
// way Gmail and Apple Mail do ("> " lines under a header), or Outlook does
// (an "Original Message" block).
func quoteMessage(r *rand.Rand, locale string, at time.Time, from, to, subject, text string) string {
	var b strings.Builder
	if r.Float64() < 0.3 {
		b.WriteString(mobileSignatures[locale])
		b.WriteString("\n\n")
	}
	if r.Float64() < 0.25 {
		b.WriteString("-----Original Message-----\nFrom: " + from + "\nSent: " + at.Format("Monday, January 2, 2006 3:04 PM") +
			"\nTo: " + to + "\nSubject: " + subject + "\n\n" + text)
		return b.String()
	}
	b.WriteString(quoteHeader(locale, at, from))
	b.WriteByte('\n')
	for _, line := range strings.Split(text, "\n") {
		b.WriteString(">")
		if line != "" {
			b.WriteString(" " + line)
		}
		b.WriteByte('\n')
	}
	return strings.TrimRight(b.String(), "\n")
}
