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

// The cart as a stable text: two checkouts of the same cart are the same order.
function cartKey() {
    return JSON.stringify(_.sortBy(_.pairs(cart()), function (p) { return p[0]; }));
}

// One order per cart. The same cart keeps its order_id, so SmartPay hands back the same invoice
// (also after a create that ran out of time); a changed cart, or an order whose invoice ended unpaid,
// starts the next order.
function currentOrder() {
    var o = $session.order;
    if (!o || o.cartKey !== cartKey() || o.closed) {
        $session.sessionStarted = $session.sessionStarted || $jsapi.currentTime();
        $session.orderNo = ($session.orderNo || 0) + 1;
        o = $session.order = {
            no: $session.orderNo,
            id: $request.channelUserId + "-" + $session.sessionStarted + "-" + $session.orderNo,
            cartKey: cartKey()
        };
        delete $session.invoiceId;
    }
    return o;
}

// The invoice of the order ended without a payment: the next checkout makes a new one.
function closeOrder() {
    if ($session.order) $session.order.closed = true;
    delete $session.invoiceId;
}

// What a checkout does while this cart's invoice exists: "pay" (show it again), "pending" (a payment
// of it is in progress), "paid", "unknown" (SmartPay did not answer) or "new" (make an invoice).
function openInvoiceAction() {
    var o = $session.order;
    if (!$session.invoiceId || !o || o.closed || o.cartKey !== cartKey()) return "new";
    var s = $payment.checkPayment($session.invoiceId);
    $temp.status = s.invoice_status;
    if (s.invoice_status === "created") return "pay";
    if (s.invoice_status === "executed") return "pending";
    if (s.invoice_status === "confirmed" || s.invoice_status === "paid") return "paid";
    if (!s.invoice_status) {
        $temp.reason = (s.error && s.error.user_message) || "нет ответа";
        return "unknown";
    }
    closeOrder();
    return "new";
}

// Registers the cart as a SmartPay invoice under the cart's order_id (see currentOrder).
function createInvoice() {
    var order = currentOrder();
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
    return $payment.createPayment({
        order: {
            order_id: order.id,
            order_number: String(order.no),
            service_id: $injector.service_id,
            amount: cartTotal(),
            currency: "RUB",
            purpose: $injector.purpose,
            description: "Заказ № " + order.no + ": " + cartSummary(),
            language: "ru-RU",
            tax_system: 0
        }
    });
}

// The same cart paid by card through a YooKassa link: its own order id beside the SmartPay one, kept
// while the cart is unchanged, so a repeated «юкасса» shows the same link and never a second payment.
function yookassaOrderId(order) {
    return order.id + "-yk";
}

function isCurrentOrder(orderId) {
    var o = $session.order;
    return !!o && (orderId === o.id || orderId === yookassaOrderId(o));
}

// The 54-FZ receipt of the cart: one line per item, no VAT (as tax_type 6 above). A real shop asks
// the buyer for the e-mail or phone it is sent to; the demo sends it to the shop's own address.
function yookassaReceipt() {
    return {
        email: $injector.receiptEmail,
        items: _.map(cart(), function (qty, id) {
            var item = $Catalog[id].value;
            return { name: item.name, price: item.price, quantity: qty, vatCode: 1, paymentSubject: "commodity", paymentMode: "full_payment" };
        })
    };
}

function createYooKassaPayment() {
    var args = function (order) {
        return {
            orderId: yookassaOrderId(order),
            amount: cartTotal(),
            description: ("Заказ № " + order.no + ": " + cartSummary()).slice(0, 128),
            receipt: yookassaReceipt()
        };
    };
    var res = $yookassa.createPayment(args(currentOrder()));
    if (res.code === 409 && res.error && res.error.error_code === "canceled") {
        // The last link of this cart ended unpaid: the next order gets a new link.
        closeOrder();
        res = $yookassa.createPayment(args(currentOrder()));
    }
    return res;
}

// The same cart as an order paid in the shop's mobile app (webhook acquiring, docs/payments.md):
// registered with $imshop, which links it to this dialog, so its payment.succeeded comes here. Its
// id is short (the protocol's orderId is at most 64 printable characters) and kept with the cart.
function registerAppOrder() {
    var order = currentOrder();
    var app = $session.appOrder;
    if (!app || app.cartKey !== order.cartKey || app.orderNo !== order.no) {
        app = $session.appOrder = {
            id: "app-" + order.no + "-" + $session.sessionStarted + "-" + Math.floor(Math.random() * 1e6),
            orderNo: order.no,
            cartKey: order.cartKey,
            amount: cartTotal()
        };
    }
    return $imshop.registerOrder({
        orderId: app.id,
        amount: app.amount,
        description: ("Заказ № " + order.no + ": " + cartSummary()).slice(0, 128)
    });
}

// The core's order id of an app order's payment: the orderId, or orderId#N for the N-th retry.
function isAppOrder(orderId) {
    var app = $session.appOrder;
    return !!app && typeof orderId === "string" && orderId.replace(/#\d+$/, "") === app.id;
}
