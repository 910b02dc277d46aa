#!/usr/bin/env python3
"""A tiny real WSGI app with Beaker's SessionMiddleware, for edge-session's end-to-end test.

    wsgi_app.py [SETTINGS_JSON]

SETTINGS_JSON is a flat JSON object of the `session.*` keys of a TurboGears
development.ini, values as strings the way the .ini gives them ("true", "3600"):
Beaker coerces them itself, as it does under TurboGears. Missing keys default to
session.type = cookie and session.data_serializer = json. The keys can also come
from the environment: BEAKER_VALIDATE_KEY and BEAKER_ENCRYPT_KEY set
session.validate_key and session.encrypt_key when the JSON does not.

Serves on 127.0.0.1, on a port the OS picks, and prints that port on the first
line of stdout. Routes:

    GET /set?k=v&...  sets each key to its value, saves; returns the session as JSON
    GET /get          returns the session as JSON: the user keys and `_id`

Needs `pip install beaker==1.14.1 cryptography pycryptodome`.
"""
import json
import os
import sys
from urllib.parse import parse_qsl
from wsgiref.simple_server import WSGIRequestHandler, make_server

from beaker.middleware import SessionMiddleware

RESERVED = ('_domain', '_path', '_creation_time', '_accessed_time', '_expires')


def settings_from(argv, environ):
    settings = json.loads(argv[1]) if len(argv) > 1 else {}
    if not isinstance(settings, dict):
        sys.exit('SETTINGS_JSON must be a JSON object of session.* keys')

    def has(key):  # Beaker takes session.* and beaker.session.* alike
        return bool(settings.get('session.' + key) or settings.get('beaker.session.' + key))
    for key, value in (('type', 'cookie'), ('data_serializer', 'json')):
        if not has(key):
            settings['session.' + key] = value
    for key, var in (('validate_key', 'BEAKER_VALIDATE_KEY'), ('encrypt_key', 'BEAKER_ENCRYPT_KEY')):
        if not has(key) and environ.get(var):
            settings['session.' + key] = environ[var]
    if not has('validate_key'):
        sys.exit('session.validate_key is required (SETTINGS_JSON or BEAKER_VALIDATE_KEY)')
    return settings


def view(session):
    """The user keys and `_id`, as the session holds them now."""
    return {k: v for k, v in session.items() if k not in RESERVED}


def app(environ, start_response):
    session = environ['beaker.session']
    path = environ.get('PATH_INFO', '')
    if environ['REQUEST_METHOD'] != 'GET' or path not in ('/set', '/get'):
        start_response('404 Not Found', [('Content-Type', 'text/plain')])
        return [b'not found\n']
    if path == '/set':
        for key, value in parse_qsl(environ.get('QUERY_STRING', ''), keep_blank_values=True):
            session[key] = value
        session.save()
    body = json.dumps(view(session)).encode()
    start_response('200 OK', [('Content-Type', 'application/json'),
                              ('Content-Length', str(len(body)))])
    return [body]


class QuietHandler(WSGIRequestHandler):
    def log_message(self, *args):
        pass


def main():
    settings = settings_from(sys.argv, os.environ)
    server = make_server('127.0.0.1', 0, SessionMiddleware(app, settings),
                         handler_class=QuietHandler)
    print(server.server_port, flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()


if __name__ == '__main__':
    main()
