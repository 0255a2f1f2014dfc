SELECT id, balance
FROM accounts
WHERE id = $1
