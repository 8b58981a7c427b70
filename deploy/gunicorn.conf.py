"""gunicorn settings for a Rapport web host (deploy/systemd/rapport-web.service reads them).

Web processes are stateless: sessions, the cache and the task queue live in PostgreSQL,
files on shared storage. Run as many hosts of these as the database can serve.
"""

import os

bind = os.environ.get("RAPPORT_BIND", "127.0.0.1:8000")
# Two processes per core; each thread keeps one PostgreSQL connection (conn_max_age).
workers = int(os.environ.get("RAPPORT_WEB_WORKERS", str(2 * (os.cpu_count() or 1))))
worker_class = "gthread"
threads = int(os.environ.get("RAPPORT_WEB_THREADS", "4"))
# nginx keeps connections to gunicorn open.
keepalive = 5
# Long imports and exports run in the task worker; a page that takes this long is a bug.
timeout = 60
graceful_timeout = 30
# Recycle a process now and then (slow memory growth never accumulates).
max_requests = 5000
max_requests_jitter = 500
accesslog = "-"
forwarded_allow_ips = os.environ.get("RAPPORT_FORWARDED_ALLOW_IPS", "127.0.0.1")
