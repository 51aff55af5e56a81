"""A Redis lock store that several Rasa instances can share: every change to a lock is atomic.

Rasa 3.6.21's `RedisLockStore` changes a conversation's ticket lock with a GET, a change in Python and a
SET. Two instances that issue a ticket for one person at the same moment can both read the same lock and
both get ticket 0; both turns then run at once and the SQL tracker store loses one of their user events.
Here each change (issuing a ticket, dropping expired ones, returning one) is a single Lua script, which
Redis runs without interleaving anything else.

The value stored is byte for byte what `TicketLock.dumps()` writes, so Rasa's own reads (`get_lock`,
`lock()`, `_acquire_lock`) work unchanged. Load it from the endpoints file (`rasa run` puts its working
directory, bot/, on sys.path)::

    lock_store:
      type: lockstore.AtomicRedisLockStore
"""

from __future__ import annotations

import json
import time
from typing import Any

from rasa.core.lock_store import LOCK_LIFETIME, LockError, RedisLockStore
from rasa.utils.endpoints import EndpointConfig

# Both scripts keep Rasa's rules (rasa/core/lock.py): a ticket has expired once now > expires, expired
# tickets are dropped before anything else, a new ticket is the last live one's number + 1 (0 if none).
# Live tickets are copied as the strings Rasa wrote; cjson re-quotes them exactly as Python's json does,
# because a ticket's JSON has no '/' (the one character cjson escapes and Python does not).
_LIVE_TICKETS = """
local function live_tickets(stored, now)
  local live = {}
  if stored then
    for _, dumped in ipairs(cjson.decode(stored).tickets or {}) do
      local ticket = cjson.decode(dumped)
      if not (now > ticket.expires) then
        live[#live + 1] = {number = ticket.number, dumped = dumped}
      end
    end
  end
  return live
end

local function dumps(conversation_json, tickets)
  local quoted = {}
  for i, ticket in ipairs(tickets) do
    quoted[i] = cjson.encode(ticket.dumped)
  end
  return '{"conversation_id": ' .. conversation_json .. ', "tickets": [' .. table.concat(quoted, ', ') .. ']}'
end
"""

# KEYS[1]: the lock. ARGV: now, the new ticket's expiry and the conversation id, both as Python's JSON.
_ISSUE_TICKET = (
    _LIVE_TICKETS
    + """
local tickets = live_tickets(redis.call('GET', KEYS[1]), tonumber(ARGV[1]))
local number = 0
if #tickets > 0 then
  number = tickets[#tickets].number + 1
end
local dumped = '{"number": ' .. string.format('%d', number) .. ', "expires": ' .. ARGV[2] .. '}'
tickets[#tickets + 1] = {number = number, dumped = dumped}
redis.call('SET', KEYS[1], dumps(ARGV[3], tickets))
return number
"""
)

# KEYS[1]: the lock. ARGV: now, the ticket number to return ('' for none), '1' to delete the lock when no
# ticket is left (Rasa's cleanup) or '0' to keep it (finish_serving, update_lock), the conversation id.
_RELEASE_TICKET = (
    _LIVE_TICKETS
    + """
local stored = redis.call('GET', KEYS[1])
if not stored then
  return 0
end
local finished = tonumber(ARGV[2])
local kept = {}
for _, ticket in ipairs(live_tickets(stored, tonumber(ARGV[1]))) do
  if ticket.number == finished then
    finished = nil
  else
    kept[#kept + 1] = ticket
  end
end
if ARGV[3] == '1' and #kept == 0 then
  redis.call('DEL', KEYS[1])
else
  redis.call('SET', KEYS[1], dumps(ARGV[4], kept))
end
return #kept
"""
)


class AtomicRedisLockStore(RedisLockStore):
    """Rasa's Redis lock store with ticket issuing and returning done atomically in Redis.

    Same storage format, keys, key prefix and expiry rules as `RedisLockStore`, and like it the key has
    no TTL: it is deleted when the last ticket is returned.
    """

    def __init__(self, endpoint_config: EndpointConfig | None = None, **kwargs: Any) -> None:
        """Connects like `RedisLockStore`.

        Args:
            endpoint_config: the `lock_store` section of the endpoints file; Rasa passes only this for a
                custom `type`. Its `url` is the Redis host and its other keys (port, db, password,
                key_prefix, ...) are `RedisLockStore`'s arguments, as for `type: redis`.
            **kwargs: `RedisLockStore`'s arguments, when built without an endpoints file.
        """
        if endpoint_config is not None:
            kwargs = {"host": endpoint_config.url, **endpoint_config.kwargs, **kwargs}
        super().__init__(**kwargs)
        self._issue = self.red.register_script(_ISSUE_TICKET)
        self._release = self.red.register_script(_RELEASE_TICKET)

    def issue_ticket(self, conversation_id: str, lock_lifetime: float = LOCK_LIFETIME) -> int:
        """Issues the next ticket for `conversation_id`, valid for `lock_lifetime` seconds.

        Raises:
            LockError: Redis could not be reached or refused the script (as Rasa raises).
        """
        now = time.time()
        try:
            number = self._issue(
                keys=[self.key_prefix + conversation_id],
                args=[repr(now), json.dumps(now + lock_lifetime), json.dumps(conversation_id)],
            )
        except Exception as error:
            raise LockError(f"Error while acquiring lock. Error:\n{error}") from error
        return int(number)

    def update_lock(self, conversation_id: str) -> None:
        """Drops the expired tickets of `conversation_id`'s lock (Rasa calls this while waiting)."""
        self._run_release(conversation_id, ticket_number=None, delete_when_empty=False)

    def finish_serving(self, conversation_id: str, ticket_number: int) -> None:
        """Returns ticket `ticket_number`; the lock stays, even when empty."""
        self._run_release(conversation_id, ticket_number, delete_when_empty=False)

    def cleanup(self, conversation_id: str, ticket_number: int) -> None:
        """Returns ticket `ticket_number` and deletes the lock when no one else holds a ticket."""
        self._run_release(conversation_id, ticket_number, delete_when_empty=True)

    def _run_release(self, conversation_id: str, ticket_number: int | None, delete_when_empty: bool) -> None:
        self._release(
            keys=[self.key_prefix + conversation_id],
            args=[
                repr(time.time()),
                "" if ticket_number is None else str(int(ticket_number)),
                "1" if delete_when_empty else "0",
                json.dumps(conversation_id),
            ],
        )
