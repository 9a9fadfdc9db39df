"""WeChat Pay v3: merchant config and secrets, the client and verifier, the sandbox, and payment/refund results.

Other capabilities call `crowdcart.payments.refunds.request_refund` and
`crowdcart.payments.webhook.receive`; see docs/decisions.md (WeChat Pay entries).
"""
