# The scenario: a greeting, a question with buttons, a fallback, and a purchase paid with SmartPay.
require: payment.js

theme: /

    state: Start
        q!: $regex</start>
        q!: * (привет*|здравствуй*|начать) *
        a: Здравствуйте! Я умею отвечать на вопросы и продавать билеты.
        buttons:
            "Как дела?" -> /HowAreYou
            "Купить билет" -> /Buy

    state: HowAreYou
        q!: * как (дела|жизнь|ты) *
        a: Отлично, спасибо! Чем помочь?

    state: Buy
        q!: * (~купить|~билет) *
        script:
            var res = buyTicket();
            if (!res.invoice_id) {
                $temp.reason = (res.error && res.error.user_message) || "платёжный сервис недоступен";
                $reactions.transition("/Buy/Failed");
                return;
            }
            $session.invoiceId = res.invoice_id;
            $reactions.pay($session.invoiceId);
        a: Открываю оплату билета.

        state: Failed
            a: Не получилось выставить счёт: {{$temp.reason}}.

    state: PayFinished
        event!: PAY_DIALOG_FINISHED
        script:
            # The pay dialog's answer is only a hint: the invoice status decides.
            var status = $session.invoiceId ? $payment.checkPayment($session.invoiceId).invoice_status : undefined;
            $temp.paid = status === "confirmed" || status === "paid";
        if: $temp.paid
            a: Оплата прошла, билет ваш!
        else:
            a: Оплата не завершена. Скажите «купить билет», чтобы попробовать снова.

    state: NoMatch
        event!: noMatch
        a: Я вас не понял. Скажите «привет» или «купить билет».
