"""The web adapter for calls: the one endpoint for Twilio's webhooks, its form parser and signature check."""
