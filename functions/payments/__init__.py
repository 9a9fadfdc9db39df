"""Payments capability: JSAPI prepay, the WeChat Pay webhook, merchant pay keys, the refund retry sweep."""
