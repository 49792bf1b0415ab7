"""Operations outside the web application: `make backup` and `make restore` (issue 9, 什么也不丢).

A plain package run with ``python -m ops.backup`` / ``python -m ops.restore`` rather than management
commands: these tools must not run `migrate` or any app code against the database they copy, they
read only Django's settings (which database, which storage folder) and the models' file columns,
and they are short enough to read before trusting them with a restore.
"""
