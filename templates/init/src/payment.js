// One ticket for 300 ₽ (money is in kopecks). order_id is derived from the session, so a retried
// create of the same order never makes a second invoice.
function buyTicket() {
    $payment.clearItems();
    $payment.addItem({
        name: "Билет",
        item_code: "ticket",
        item_price: 30000,
        item_amount: 30000,
        quantity: { value: 1, measure: "шт." },
        currency: "RUB",
        tax_type: 6
    });
    $session.orderNo = ($session.orderNo || 0) + 1;
    return $payment.createPayment({
        order: {
            order_id: $request.channelUserId + "-" + $session.orderNo,
            order_number: String($session.orderNo),
            service_id: $injector.service_id,
            amount: 30000,
            currency: "RUB",
            purpose: "Билет",
            description: "Билет № " + $session.orderNo,
            language: "ru-RU",
            tax_system: 0
        }
    });
}
