"""Payments: tenders for orders, provider callbacks, refunds and daily reconciliation.

Entry points: ``services.take_payment`` / ``services.refund`` (the POS contract),
``notify.handle_notification`` (``POST /api/v1/payments/notify/{provider}``),
``reconcile.reconcile`` (``omniretail reconcile-payments``). Providers live in ``providers``:
cash, a simulated card terminal, stored value (members' wallets) and a signed local sandbox
gateway standing in for WeChat Pay / Alipay / UnionPay until real adapters are configured
(``settings.PAYMENTS_PROVIDERS`` maps tender kind → provider name,
``settings.PAYMENTS_PROVIDER_CLASSES`` provider name → dotted class path).
"""
