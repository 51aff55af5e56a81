"""Machine translation of free text for staff, through a provider the municipality configures (ADR 0018).

Off by default: `translator_for(settings)` is then None and nothing is sent anywhere. The provider seam
(`provider.Translator`) knows nothing about people or messages; api.messaging.translations decides what
is translated, caches it on the message and writes the audit event.
"""

from api.translation.provider import (
    LibreTranslate,
    TranslationUnavailable,
    Translator,
    translator_for,
)

__all__ = ["LibreTranslate", "TranslationUnavailable", "Translator", "translator_for"]
