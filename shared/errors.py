"""Errors the services raise; each message is safe to show a coordinator."""


class FaellesError(Exception):
    """Base for errors that describe bad input or an impossible action."""


class InvalidPhoneNumber(FaellesError, ValueError):
    """A phone number that is not a valid number."""


class NotFound(FaellesError, LookupError):
    """A record that does not exist."""


class IllegalTransition(FaellesError, ValueError):
    """A status change that the record's current status does not allow."""


class InvalidValue(FaellesError, ValueError):
    """A value outside what the field allows."""


class LockedOut(FaellesError):
    """A coordinator locked after too many wrong PINs, until a given moment (UTC)."""

    def __init__(self, until):
        super().__init__(f"Locked until {until.isoformat(timespec='seconds')}")
        self.until = until


class WrongPin(FaellesError):
    """A PIN that does not match: the count of wrong ones in a row, and the limit."""

    def __init__(self, failed: int, limit: int):
        super().__init__(f"Wrong PIN ({failed} of {limit})")
        self.failed, self.limit = failed, limit


class StoreBusy(Exception):
    """The store could not take a write within the bounded wait; try again in a moment.

    Not a FaellesError: nothing is wrong with the request, and a caller that
    reads FaellesError as "no such record" must not mistake a busy store for it.
    """
