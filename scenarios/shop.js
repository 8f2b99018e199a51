// Cart and order helpers for the demo shop. Loaded once at start; functions are global.
// Money is integer kopecks everywhere; only formatting turns it into roubles.

function formatRub(kopecks) {
    var rub = Math.floor(kopecks / 100);
    var kop = kopecks % 100;
    return rub + (kop ? "," + (kop < 10 ? "0" : "") + kop : "") + " ₽";
}

// Pattern converter of $Item: the dictionary node's value is the catalog id of the matched synonym.
function catalogId(parseTree) {
    return parseTree.Items[0].value;
}

function cart() {
    if (!$session.cart) $session.cart = {};
    return $session.cart;
}

function cartIsEmpty() {
    return _.isEmpty(cart());
}

function addToCart(itemId) {
    var c = cart();
    c[itemId] = (c[itemId] || 0) + 1;
    return $Catalog[itemId].value;
}

function cartTotal() {
    return _.reduce(cart(), function (sum, qty, id) { return sum + qty * $Catalog[id].value.price; }, 0);
}

function cartSummary() {
    return _.map(cart(), function (qty, id) { return $Catalog[id].value.name + " × " + qty; }).join(", ");
}

function catalogList() {
    return _.map(_.keys($Catalog), function (id) {
        return $Catalog[id].value.name + " — " + formatRub($Catalog[id].value.price);
    }).join("; ");
}

// Registers the cart as a SmartPay invoice. order_id is derived from the session's order number, so
// a retried create of the same order never makes a second invoice.
function createInvoice() {
    $payment.clearItems();
    _.each(cart(), function (qty, id) {
        var item = $Catalog[id].value;
        $payment.addItem({
            name: item.name,
            item_code: id,
            item_price: item.price,
            item_amount: item.price * qty,
            quantity: { value: qty, measure: item.measure },
            currency: "RUB",
            tax_type: 6
        });
    });
    $session.sessionStarted = $session.sessionStarted || $jsapi.currentTime();
    $session.orderNo = ($session.orderNo || 0) + 1;
    return $payment.createPayment({
        order: {
            order_id: $request.channelUserId + "-" + $session.sessionStarted + "-" + $session.orderNo,
            order_number: String($session.orderNo),
            service_id: $injector.service_id,
            amount: cartTotal(),
            currency: "RUB",
            purpose: $injector.purpose,
            description: "Заказ № " + $session.orderNo + ": " + cartSummary(),
            language: "ru-RU",
            tax_system: 0
        }
    });
}
