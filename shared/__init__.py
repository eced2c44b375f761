"""The domain core of Fælles: store, services, conversation engine, i18n, text rules."""
