"""Services per channel: each loads facts, checks the rule, writes, audits and queues in one transaction."""
