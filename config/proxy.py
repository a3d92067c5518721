"""The address a request came from, for the login lock (django-axes).

Behind Margin's nginx (deploy/, ``BEHIND_PROXY=1``) every connection comes from nginx, so
the lock on a username and an address would lock the username for everyone: five wrong
passwords typed by anyone would keep its owner out. nginx passes the address it saw in
``X-Real-IP``, replacing any such header a client sent, so it cannot be forged through
nginx; app servers behind it listen on loopback only.
"""


def client_address(request) -> str | None:
    return request.META.get("HTTP_X_REAL_IP") or request.META.get("REMOTE_ADDR")
