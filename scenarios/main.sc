# Demo shop: browse the catalog, fill a cart, pay with SmartPay, list what was bought.
# The payment follows SmartApp Code's five steps: cart -> invoice -> pay dialog -> PAY_DIALOG_FINISHED
# -> status check. The dialog's response_code is only a hint; the invoice status decides.

require: catalog.csv
    name = Items
    var = $Catalog
require: shop.js

patterns:
    # The converter turns the matched synonym into the catalog id: $parseTree._Item == "elephant".
    $Item = $entity<Items> || converter = catalogId
    $Buy = (~купить|~добавить|~положить|хочу|давай*|еще|ещё)

theme: /

    state: Start
        q!: $regex</start>
        q!: * (привет*|здравствуй*|начать|старт|меню) *
        script:
            $session.sessionStarted = $session.sessionStarted || $jsapi.currentTime();
        a: Добро пожаловать в магазин «{{$injector.shopName}}»! Продаём слонов, жирафов и зебр.
        buttons:
            "Каталог" -> /Catalog
            "Корзина" -> /Cart
            "Мои покупки" -> /Purchases

    state: Catalog
        q!: * (каталог|ассортимент|что (есть|продаете|продаёте)) *
        a: У нас есть: {{catalogList()}}. Кого добавить в корзину?

    state: AddItem
        q!: * $Buy * $Item *
        q!: [и|а] [$Buy] $Item
        script:
            $temp.item = addToCart($parseTree._Item);
        a: Добавил: {{$temp.item.name}}. В корзине: {{cartSummary()}} на {{formatRub(cartTotal())}}.
        buttons:
            "Оформить заказ" -> /Checkout
            "Каталог" -> /Catalog

    state: Cart
        q!: * (~корзина|что я (выбрал*|заказал*)) *
        if: cartIsEmpty()
            a: Корзина пуста.
        else:
            a: В корзине: {{cartSummary()}}. Итого {{formatRub(cartTotal())}}.
            buttons:
                "Оформить заказ" -> /Checkout
                "Очистить корзину" -> /ClearCart

    state: ClearCart
        q!: * (очисти*|~удалить (все|всё)|~убрать (все|всё)) [из] [~корзина] *
        script:
            $session.cart = {};
        a: Корзина очищена.

    state: Checkout
        q!: * (оформ*|~оплатить|~заплатить|~оплата) *
        if: cartIsEmpty()
            a: Корзина пуста — сначала выберите товар.
            go!: /Catalog
        script:
            // One payable invoice per cart: an open invoice of this cart is shown again, never doubled.
            var open = openInvoiceAction();
            if (open === "pending") {
                $reactions.transition("/Payment/Pending");
                return;
            } else if (open === "paid") {
                $reactions.transition("/Payment/Paid");
                return;
            } else if (open === "unknown") {
                $reactions.transition("/Payment/Unknown");
                return;
            } else if (open === "new") {
                var res = createInvoice();
                if (res.pending) {
                    // SmartPay did not answer in time; the invoice may exist and is found by order_id next time.
                    $reactions.transition("/Checkout/Preparing");
                    return;
                }
                if (!res.invoice_id) {
                    $temp.reason = (res.error && res.error.user_message) || "сервис оплаты недоступен";
                    $reactions.transition("/Checkout/Failed");
                    return;
                }
                $session.invoiceId = String(res.invoice_id);
            }
            $reactions.pay($session.invoiceId);
        a: Открываю оплату: {{formatRub(cartTotal())}}.

        state: Failed
            a: Не получилось выставить счёт: {{$temp.reason}}.

        state: Preparing
            a: Счёт ещё готовится. Скажите «оплатить» ещё раз через несколько секунд.
            buttons:
                "Оплатить" -> /Checkout

    # Paying by card through YooKassa: a payment link as a button; the runtime hears YooKassa's
    # notification, confirms it and raises payment.succeeded below (docs/yookassa.md).
    state: YooKassaCheckout
        q!: * (юкасс*|ю касс*|yookassa) *
        if: cartIsEmpty()
            a: Корзина пуста — сначала выберите товар.
            go!: /Catalog
        script:
            var res = createYooKassaPayment();
            if (res.status === "succeeded") {
                $reactions.transition("/Payment/Paid");
                return;
            }
            if (!res.confirmationUrl) {
                $temp.reason = (res.error && res.error.user_message) || ("платёж " + res.status);
                $reactions.transition("/Checkout/Failed");
                return;
            }
            $reactions.answer("Оплата картой через ЮKassa: " + formatRub(res.amount) + ". Нажмите кнопку, чтобы оплатить.");
            $yookassa.payButton(res, "Оплатить " + formatRub(res.amount));

    # Paying in the shop's mobile app (webhook acquiring, docs/payments.md): the cart is registered as
    # an order linked to this dialog; payment.succeeded of its payment comes back below.
    state: AppOrder
        q!: * приложени* *
        if: cartIsEmpty()
            a: Корзина пуста — сначала выберите товар.
            go!: /Catalog
        script:
            var res = registerAppOrder();
            if (!res.ok) {
                $temp.reason = res.error;
                $reactions.transition("/Checkout/Failed");
                return;
            }
            $reactions.answer("Заказ " + $session.appOrder.id + " на " + formatRub($session.appOrder.amount) + " ждёт оплаты в приложении магазина.");

    state: AppOrderStatus
        q!: * статус* * заказ* *
        if: !$session.appOrder
            a: Заказов в приложении нет.
        elseif: $session.appOrder.paid
            a: Заказ {{$session.appOrder.id}} оплачен, спасибо!
        else:
            a: Заказ {{$session.appOrder.id}} ещё не оплачен.

    state: PayDialogFinished
        event!: PAY_DIALOG_FINISHED
        script:
            // The dialog's answer: eventData.payment_response (SmartApp Code), eventData[0] (older form).
            var data = $request.data.eventData || {};
            var code = (data.payment_response || data[0] || {}).response_code;
            $session.payCode = code;
            if (!$session.invoiceId) {
                $reactions.transition("/Payment/NoInvoice");
            } else if (code === 3) {
                $reactions.transition("/Payment/Busy");
            } else if (code === 4) {
                $reactions.transition("/Payment/Expired");
            } else if (code === 5) {
                $reactions.transition("/Payment/Rejected");
            } else if (code === 7) {
                $reactions.transition("/Payment/Unavailable");
            } else {
                // 0 success, 1 error, 2 closed, 6 unknown: the invoice may be paid either way.
                $reactions.transition("/Payment/Check");
            }

    state: Payment

        state: Check
            q!: * (провер* * оплат*|статус * (оплат*|платеж*|платёж*)) *
            if: !$session.invoiceId
                a: Неоплаченных заказов нет.
            else:
                script:
                    var s = $payment.checkPayment($session.invoiceId);
                    $temp.status = s.invoice_status;
                    if (s.invoice_status === "confirmed" || s.invoice_status === "paid") {
                        $reactions.transition("/Payment/Paid");
                    } else if (s.invoice_status === "executed") {
                        $reactions.transition("/Payment/Pending");
                    } else if (s.invoice_status === "cancelled" || s.invoice_status === "reversed" || s.invoice_status === "refunded") {
                        closeOrder();
                        $reactions.transition("/Payment/Rejected");
                    } else if (!s.invoice_status) {
                        $temp.reason = (s.error && s.error.user_message) || "нет ответа";
                        $reactions.transition("/Payment/Unknown");
                    }
                a: Оплата не завершена (статус счёта: {{$temp.status}}). Корзина сохранена — можно попробовать ещё раз.
                buttons:
                    "Оплатить" -> /Checkout

        state: Pending
            a: Платёж ещё обрабатывается. Скажите «проверить оплату» через минуту.
            buttons:
                "Проверить оплату" -> /Payment/Check

        state: Paid
            script:
                if ($session.invoiceId) {
                    $session.lastPaid = $session.invoiceId;
                    delete $session.lastPaidVia;
                }
                $session.cart = {};
                $payment.clearItems();
                delete $session.invoiceId;
                delete $session.order;
            a: Оплата прошла, спасибо за покупку!
            buttons:
                "Мои покупки" -> /Purchases

        state: Busy
            a: Сейчас открыта другая оплата. Завершите её и попробуйте снова.

        state: Expired
            script:
                closeOrder();
            a: Время на оплату истекло. Оформите заказ заново.
            buttons:
                "Оформить заказ" -> /Checkout

        state: Rejected
            a: Платёж отклонён. Попробуйте другой способ оплаты.
            buttons:
                "Оплатить" -> /Checkout

        state: Unavailable
            a: Оплата недоступна на этом устройстве.

        state: Unknown
            a: Не удалось узнать статус оплаты: {{$temp.reason}}.
            buttons:
                "Проверить оплату" -> /Payment/Check

        state: NoInvoice
            a: Не нашёл заказа для этой оплаты. Скажите «корзина», чтобы посмотреть заказ.

    # Typed events of the payment core (docs/payments.md): raised by the runtime once per payment and
    # status, also when the user never came back from the pay dialog; a user cannot send them.
    # SmartApp has no push, so the replies are for logs and tests; what counts is the state.
    state: PaymentSucceeded || noContext = true
        event!: payment.succeeded
        script:
            var e = $request.data.eventData || {};
            if (isAppOrder(e.orderId)) {
                $session.appOrder.paid = true;
                $session.cart = {};
            }
            if (isCurrentOrder(e.orderId)) {
                $session.lastPaid = e.providerPaymentId;
                // «верни деньги» refunds it through the provider it was paid with.
                $session.lastPaidVia = e.provider;
                $session.lastPaidOrder = e.orderId;
                $session.cart = {};
                $payment.clearItems();
                delete $session.invoiceId;
                delete $session.order;
            }
        a: Оплата заказа прошла, спасибо за покупку!

    state: PaymentCanceled || noContext = true
        event!: payment.canceled
        script:
            var e = $request.data.eventData || {};
            if (isCurrentOrder(e.orderId)) closeOrder();
        a: Счёт заказа закрыт без оплаты.

    state: RefundSucceeded || noContext = true
        event!: refund.succeeded
        script:
            var e = $request.data.eventData || {};
            $session.refunded = (e.refundedTotal && e.refundedTotal.minor) || 0;
        a: Деньги возвращены: {{formatRub(($request.data.eventData.refunded || {}).minor || 0)}}.

    # Everything paid is back (it follows refund.succeeded, which has said so): nothing more to say.
    state: PaymentRefunded || noContext = true
        event!: payment.refunded
        script:
            $session.refundedAll = true;

    # A refund of the last paid order through the payment core (docs/payments.md, "Refunds"): the key
    # is the request's messageId by default, so a retried request never refunds twice. A YooKassa
    # payment is refunded with $yookassa.refund (everything left; docs/yookassa.md).
    state: Refund
        q!: * (верни* деньги|возврат*|отмени* покупку) *
        script:
            if (!$session.lastPaid) {
                $reactions.transition("/Refund/Nothing");
                return;
            }
            if ($session.lastPaidVia === "yookassa") {
                var y = $yookassa.refund($session.lastPaidOrder, {description: "по просьбе покупателя"});
                $temp.amount = formatRub((y.refund && y.refund.amount) || 0);
                if (y.ok && y.refund.status === "succeeded") $reactions.transition("/Refund/Done");
                else if (y.ok) $reactions.transition("/Refund/Pending");
                else {
                    $temp.reason = (y.error && y.error.error_description) || "неизвестная ошибка";
                    $reactions.transition("/Refund/Failed");
                }
                return;
            }
            var r = $payment.refundPayment($session.lastPaid, {reason: "по просьбе покупателя"});
            $temp.amount = formatRub(r.refund_amount || 0);
            if (r.code === 200 && r.refund_status === "succeeded") $reactions.transition("/Refund/Done");
            else if (r.code === 200) $reactions.transition("/Refund/Pending");
            else {
                $temp.reason = (r.error && r.error.error_description) || "неизвестная ошибка";
                $reactions.transition("/Refund/Failed");
            }

        state: Done
            a: Оформил возврат: {{$temp.amount}} вернутся на карту.

        state: Pending
            a: Возврат {{$temp.amount}} оформляется. Деньги придут, как только банк подтвердит.

        state: Failed
            a: Не удалось оформить возврат: {{$temp.reason}}.

        state: Nothing
            a: Не нашёл оплаченного заказа для возврата.

    state: Purchases
        q!: * (мои покупки|покупки|что я купил*) *
        script:
            var uuid = ($request.rawRequest && $request.rawRequest.uuid) || {};
            if (!uuid.sub) {
                // SmartStore knows purchases by the user's Sber ID (uuid.sub); a guest has none.
                $reactions.transition("/Purchases/Guest");
                return;
            }
            var r = $payment.getUserItems(undefined, {page: 1, size: 20, sort: "ASC", sortField: "item_code"});
            if (r.code !== 200) {
                $temp.reason = (r.error && r.error.user_message) || r.message || "сервис недоступен";
                $reactions.transition("/Purchases/Failed");
                return;
            }
            $temp.items = r.items || [];
        if: $temp.items.length === 0
            a: Покупок пока нет.
        else:
            a: Ваши покупки: {{_.map($temp.items, function (i) { return i.name + " × " + ((i.quantities && i.quantities.quantity_value) || 1); }).join(", ")}}.

        state: Failed
            a: Не удалось получить список покупок: {{$temp.reason}}.

        state: Guest
            a: Покупки видны после входа по Сбер ID.

    state: NoMatch || noContext = true
        event!: noMatch
        a: Не понял. Скажите «каталог», «корзина» или назовите животное.
