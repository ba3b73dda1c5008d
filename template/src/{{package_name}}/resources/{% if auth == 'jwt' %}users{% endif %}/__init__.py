"""The users resource: accounts (email, argon2id password hash, active, admin) and the endpoints
that sign them in and out. What it builds on (tokens, hashing, the login limit) is the `auth`
package; the first admin comes from `python -m <package>.users create-admin EMAIL`."""
