UPDATE accounts
SET balance = $1
WHERE id = $2
