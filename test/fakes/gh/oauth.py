"""Google's OAuth 2.0 endpoints: authorization (PKCE), token and revoke."""

import base64
import hashlib
import re
import secrets
import time
from urllib.parse import parse_qs, urlencode

from .common import SCOPE_PREFIX, OAuthError

PKCE_RE = re.compile(r"^[A-Za-z0-9._~-]{43,128}$")
OTHER_SCOPES = ("openid", "email", "profile")


def s256(verifier):
    digest = hashlib.sha256(verifier.encode()).digest()
    return base64.urlsafe_b64encode(digest).decode().rstrip("=")


def authorize(state, query):
    """GET /o/oauth2/v2/auth -> redirect URL with a code (or an error)."""
    def fail(message, error="invalid_request"):
        raise OAuthError(400, error, message)
    with state.lock:
        client_id = query.get("client_id", "")
        client = state.clients.get(client_id)
        if client is None:
            raise OAuthError(401, "invalid_client", "The OAuth client was not found.")
        redirect = query.get("redirect_uri", "")
        allowed = client.get("redirect_uris")
        if not re.match(r"^https?://", redirect) or (allowed and redirect not in allowed):
            fail("redirect_uri is missing or not registered for this client",
                 "redirect_uri_mismatch")
        if query.get("response_type") != "code":
            fail("Invalid response_type: expected code", "unsupported_response_type")
        for name in ("scope", "state", "code_challenge"):
            if not query.get(name):
                fail("Missing required parameter: %s" % name)
        if query.get("code_challenge_method") != "S256":
            fail("code_challenge_method must be S256")
        if not PKCE_RE.match(query["code_challenge"]):
            fail("Invalid code_challenge: 43-128 characters [A-Za-z0-9._~-]")
        if query.get("access_type") != "offline":
            fail("access_type must be offline (a refresh token is needed)")
        if "consent" not in query.get("prompt", "").split():
            fail("prompt must include consent (a refresh token is needed)")
        requested = query["scope"].split()
        bad = [sc for sc in requested
               if not sc.startswith(SCOPE_PREFIX) and sc not in OTHER_SCOPES]
        if bad:
            fail("Some requested scopes were invalid. {invalid=[%s]}" % ", ".join(bad),
                 "invalid_scope")
        consent = state.consent
        if consent is None and len(state.users) == 1:
            consent = {"user": next(iter(state.users))}
        if not consent or consent.get("user") not in state.users:
            fail("No user is set to consent: POST /_fake/consent first")
        sep = "&" if "?" in redirect else "?"
        if consent.get("deny"):
            return redirect + sep + urlencode({"error": "access_denied",
                                               "state": query["state"]})
        user = state.users[consent["user"]]
        only = consent.get("scopes")
        granted = [sc for sc in requested if sc in user.scopes
                   and (only is None or sc in only)]
        code = "4/0fake-" + secrets.token_urlsafe(24)
        state.codes[code] = {"user": user.id, "client": client_id,
                             "redirect_uri": redirect, "scopes": granted,
                             "challenge": query["code_challenge"],
                             "expires": time.time() + 600}
        return redirect + sep + urlencode({"state": query["state"], "code": code,
                                           "scope": " ".join(granted)})


def client_credentials(form, headers):
    """client_id/secret from HTTP Basic auth or the form body."""
    auth = headers.get("Authorization") or ""
    if auth.startswith("Basic "):
        try:
            cid, _, secret = base64.b64decode(auth[6:]).decode().partition(":")
            return cid, secret
        except ValueError:
            raise OAuthError(401, "invalid_client", "Unauthorized")
    return form.get("client_id", ""), form.get("client_secret", "")


def token_endpoint(state, body, headers):
    """POST /token: authorization_code and refresh_token grants."""
    form = {k: v[-1] for k, v in parse_qs(body.decode("utf-8", "replace"),
                                          keep_blank_values=True).items()}
    cid, secret = client_credentials(form, headers)
    grant = form.get("grant_type", "")
    expired = "Token has been expired or revoked."
    with state.lock:
        client = state.clients.get(cid)
        if client is None:
            raise OAuthError(401, "invalid_client", "The OAuth client was not found.")
        if not secret:
            raise OAuthError(400, "invalid_request", "client_secret is missing.")
        if secret != client["client_secret"]:
            raise OAuthError(401, "invalid_client", "Unauthorized")
        if grant == "authorization_code":
            code = state.codes.pop(form.get("code", ""), None)   # single use
            if code is None:
                raise OAuthError(400, "invalid_grant", "Malformed auth code.")
            if code["expires"] < time.time() or code["client"] != cid \
                    or code["user"] not in state.users:
                raise OAuthError(400, "invalid_grant", "Bad Request")
            if form.get("redirect_uri") != code["redirect_uri"]:
                raise OAuthError(400, "redirect_uri_mismatch", "Bad Request")
            verifier = form.get("code_verifier", "")
            if not verifier:
                raise OAuthError(400, "invalid_grant", "Missing code verifier.")
            if s256(verifier) != code["challenge"]:
                raise OAuthError(400, "invalid_grant", "Invalid code verifier.")
            refresh = "1//fake-" + secrets.token_urlsafe(32)
            state.refresh[refresh] = {"user": code["user"], "scopes": code["scopes"],
                                      "client": cid, "revoked": False}
            access, life = state.new_access_token(code["user"], code["scopes"], refresh)
            return {"access_token": access, "expires_in": life,
                    "refresh_token": refresh, "scope": " ".join(code["scopes"]),
                    "token_type": "Bearer"}
        if grant == "refresh_token":
            token = form.get("refresh_token", "")
            if not token:
                raise OAuthError(400, "invalid_request",
                                 "Missing required parameter: refresh_token")
            rt = state.refresh.get(token)
            if rt is None or rt["revoked"] or rt["user"] not in state.users \
                    or rt["client"] not in (None, cid):
                raise OAuthError(400, "invalid_grant", expired)
            # a scope the user took back since is no longer granted
            scopes = [sc for sc in rt["scopes"] if sc in state.users[rt["user"]].scopes]
            access, life = state.new_access_token(rt["user"], scopes, token)
            return {"access_token": access, "expires_in": life,
                    "scope": " ".join(scopes), "token_type": "Bearer"}
        raise OAuthError(400, "unsupported_grant_type", "Invalid grant_type: %s" % grant)


def revoke_endpoint(state, body, query):
    """POST /revoke?token=...: revokes a refresh token, or an access token
    together with the refresh token it came from (as Google does)."""
    form = {k: v[-1] for k, v in parse_qs(body.decode("utf-8", "replace")).items()}
    token = form.get("token") or query.get("token", "")
    with state.lock:
        if token in state.access:
            token = state.access.pop(token)["refresh"] or ""
        elif token not in state.refresh:
            raise OAuthError(400, "invalid_token", "Token expired or revoked")
        state.revoke_refresh(token)
    return {}

