"""The call logic: content, opening hours, spoken Danish, the flow, call events and TwiML. No Flask here."""
