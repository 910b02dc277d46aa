#!/usr/bin/env python3
"""Drive the real Beaker cookie sessions for edge-session's interop tests.

    beaker_tool.py generate < cases.json    cookie values Beaker writes
    beaker_tool.py decode   < cookies.json  what Beaker loads from cookie values
    beaker_tool.py fixtures > tests/vectors/beaker.json

Needs `pip install beaker==1.14.1 cryptography pycryptodome`. Each session goes
through beaker.middleware.SessionMiddleware with a fake WSGI environ, configured
the way TurboGears does it (session.type = cookie, data_serializer = json).

A case is a JSON object: validate_key, and optionally encrypt_key, crypto_type
("cryptography" | "pycryptodome"), nonce_bits, serializer ("json" | "pickle"),
timeout, cookie_domain, cookie_path, and `pin` = {times: [creation, accessed],
id, random: hex, now} to make Beaker's clock, uuid4 and os.urandom reproducible.
generate also takes `data` (the user keys to set); decode takes `cookie`.
"""
import base64
import contextlib
import hashlib
import hmac
import http.cookies
import json
import os
import sys
import time
import zlib

import beaker
from beaker import session as beaker_session
from beaker.middleware import SessionMiddleware

COOKIE = 'beaker.session.id'
RESERVED = ('_id', '_domain', '_path', '_creation_time', '_accessed_time', '_expires')


def config(case):
    conf = {
        'session.type': 'cookie',
        'session.key': COOKIE,
        'session.validate_key': case['validate_key'],
        'session.data_serializer': case.get('serializer', 'json'),
        # Raise on a bad cookie instead of silently starting a new session.
        'session.invalidate_corrupt': False,
    }
    if case.get('encrypt_key'):
        conf['session.encrypt_key'] = case['encrypt_key']
        conf['session.crypto_type'] = case.get('crypto_type', 'cryptography')
        conf['session.encrypt_nonce_bits'] = case.get('nonce_bits', 128)
    for opt in ('timeout', 'cookie_domain', 'cookie_path'):
        if case.get(opt) is not None:
            conf['session.' + opt] = case[opt]
    return conf


@contextlib.contextmanager
def pinned(pin, used):
    """Pin time.time, the session id and os.urandom; record the random bytes used."""
    saved = (time.time, beaker_session._session_id, os.urandom)
    if pin:
        times = list(pin.get('times', [])) + [pin.get('now')]
        clock = iter([t for t in times if t is not None])
        last = [None]

        def fake_time():
            last[0] = next(clock, last[0])
            return last[0]
        pool = bytearray.fromhex(pin.get('random', ''))

        def fake_urandom(n):
            if len(pool) < n:
                raise RuntimeError('not enough pinned random bytes')
            out = bytes(pool[:n])
            del pool[:n]
            used.extend(out)
            return out
        time.time = fake_time
        if pin.get('id'):
            beaker_session._session_id = lambda: pin['id']
        if 'random' in pin:
            os.urandom = fake_urandom
    try:
        yield
    finally:
        time.time, beaker_session._session_id, os.urandom = saved


def run(case, app):
    environ = {'REQUEST_METHOD': 'GET', 'PATH_INFO': '/', 'wsgi.url_scheme': 'http'}
    if case.get('cookie') is not None:
        environ['HTTP_COOKIE'] = COOKIE + '=' + case['cookie']
    headers = []
    SessionMiddleware(app, config(case))(
        environ, lambda status, hdrs, exc_info=None: headers.extend(hdrs))
    return headers


def user_json(d):
    return json.dumps({k: v for k, v in d.items() if k not in RESERVED})


def time_repr(t):
    # Floats as repr text: the exact value, whatever JSON parser reads it.
    return repr(float(t)) if isinstance(t, (int, float)) else None


def summary(d):
    return {'json': json.dumps(d), 'user_json': user_json(d), 'id': d.get('_id'),
            'creation_time': time_repr(d.get('_creation_time')),
            'accessed_time': time_repr(d.get('_accessed_time')),
            'expires': time_repr(d.get('_expires'))}


def generate(case):
    """Set case['data'] on a new session and return the cookie value Beaker writes."""
    out, used = {}, bytearray()

    def app(environ, start_response):
        s = environ['beaker.session']
        s._session()  # touch it, so that even an empty session is written
        for k, v in case['data'].items():
            s[k] = v
        s.save()
        start_response('200 OK', [])  # SessionMiddleware writes the cookie here
        out.update(summary(dict(s._session())))
        return [b'']
    try:
        with pinned(case.get('pin'), used):
            headers = run(case, app)
    except Exception as e:  # e.g. "Cookie value is too long to store"
        return {'ok': False, 'error': '%s: %s' % (type(e).__name__, e)}
    jar = http.cookies.SimpleCookie()
    for name, value in headers:
        if name.lower() == 'set-cookie':
            jar.load(value)
    out.update(ok=True, cookie=jar[COOKIE].value, random=used.hex())
    return out


def decode(case):
    """Load case['cookie'] the way a request would; report the dict or the error."""
    out = {}

    def app(environ, start_response):
        s = environ['beaker.session']._session()
        d = {} if s.is_new else dict(s.accessed_dict)  # as loaded, before Beaker touches it
        out.update(summary(d), ok=True, new=s.is_new, expired='_id' not in d)
        start_response('200 OK', [])
        return [b'']
    try:
        with pinned(case.get('pin'), bytearray()):
            run(case, app)
    except Exception as e:
        return {'ok': False, 'error': '%s: %s' % (type(e).__name__, e)}
    return out


# ---- fixtures -------------------------------------------------------------

VKEY = 'validate-key: any length, any text'
EKEY = 'encrypt-key-for-tests'
TIMES = [1732700000.123456, 1732700001.6543212]


def pin(name, times=TIMES):
    stream = b''
    while len(stream) < 256:  # plenty for any nonce + GCM IV
        stream += hashlib.sha256(name.encode() + bytes([len(stream)])).digest()
    return {'times': times, 'id': hashlib.md5(name.encode()).hexdigest(), 'random': stream.hex()}


def sign(key, payload):
    return hmac.new(key.encode(), payload.encode(), hashlib.sha1).hexdigest() + payload


def crafted(json_text, key=VKEY):
    """A signed cookie whose JSON Beaker itself would never write (only decoded)."""
    return sign(key, base64.b64encode(zlib.compress(json_text.encode())).decode())


def blob(n):
    """n characters of deterministic, incompressible base64 text."""
    raw = b''
    while len(raw) * 4 < n * 3 + 8:
        raw += hashlib.sha256(raw[-32:] + b'blob').digest()
    return base64.b64encode(raw).decode()[:n]


def fixtures():
    keys = {
        'signed': {'validate_key': VKEY},
        'gcm128': {'validate_key': VKEY, 'encrypt_key': EKEY, 'crypto_type': 'cryptography', 'nonce_bits': 128},
        'gcm48': {'validate_key': VKEY, 'encrypt_key': EKEY, 'crypto_type': 'cryptography', 'nonce_bits': 48},
        'ctr128': {'validate_key': VKEY, 'encrypt_key': EKEY, 'crypto_type': 'pycryptodome', 'nonce_bits': 128},
        'ctr48': {'validate_key': VKEY, 'encrypt_key': EKEY, 'crypto_type': 'pycryptodome', 'nonce_bits': 48},
        'gcm256': {'validate_key': 'k', 'encrypt_key': 'e', 'crypto_type': 'cryptography', 'nonce_bits': 256},
    }
    unicode = {'name': 'Zoë ✓', 'emoji': '😀 and 𝄞', 'quote': 'say "hi"\\\n\t\x01\x7f', 'sep': '\u2028'}
    nested = {'user': {'id': 42, 'roles': ['admin', 'ops'], 'prefs': {'dark': True, 'tz': None}},
              'floats': [0.1, 1e16, 1e-05, 1.5e300, -0.0, 123456789.125, 1e15, 0.0001, 2.5],
              'ints': [0, -7, 12345678901234567890123], 'empty': {}, 'list': []}
    sessions = [
        ('signed_basic', 'signed', {'user_id': 7, 'flash': 'hello'}, {}),
        ('signed_empty', 'signed', {}, {}),
        ('signed_unicode', 'signed', unicode, {}),
        ('signed_nested', 'signed', nested, {}),
        ('signed_domain_path', 'signed', {'cart': [1, 2, 3]}, {'cookie_domain': '.example.com', 'cookie_path': '/shop'}),
        ('signed_integral_times', 'signed', {'a': 1}, {'times': [1700000000.0, 1700000000.5]}),
        ('gcm128_basic', 'gcm128', {'user_id': 7, 'flash': 'hello'}, {}),
        ('gcm128_unicode', 'gcm128', unicode, {}),
        ('gcm48_nested', 'gcm48', nested, {}),
        ('gcm256_short_keys', 'gcm256', {'x': 'y'}, {}),
        ('ctr128_basic', 'ctr128', {'user_id': 7, 'flash': 'hello'}, {}),
        ('ctr48_unicode', 'ctr48', unicode, {}),
        ('ctr128_empty', 'ctr128', {}, {}),
    ]
    valid, encode_errors = [], []

    def add_generated(name, kname, data, extra):
        case = dict(keys[kname], data=data, pin=pin(name, extra.get('times', TIMES)))
        case.update({k: v for k, v in extra.items() if k != 'times'})
        got = generate(case)
        assert got['ok'], (name, got)
        valid.append({
            'name': name, 'keys': kname, 'cookie': got['cookie'],
            'id': got['id'], 'creation_time': got['creation_time'], 'accessed_time': got['accessed_time'],
            'expires': got['expires'], 'data': got['user_json'],
            # What encode must reproduce byte for byte:
            'domain': case.get('cookie_domain'), 'path': case.get('cookie_path', '/'),
            'random': got['random'],
        })
        return got

    for name, kname, data, extra in sessions:
        add_generated(name, kname, data, extra)

    # Largest cookie Beaker will still write, and one byte of data more that it refuses.
    lo, hi = 100, 6000
    while hi - lo > 1:
        mid = (lo + hi) // 2
        case = dict(keys['signed'], data={'blob': blob(mid)}, pin=pin('near_limit'))
        lo, hi = (mid, hi) if generate(case)['ok'] else (lo, mid)
    got = add_generated('signed_near_limit', 'signed', {'blob': blob(lo)}, {})
    payload_len = len(got['cookie']) - 40
    assert 4060 <= payload_len <= 4064, payload_len
    refused = generate(dict(keys['signed'], data={'blob': blob(hi)}, pin=pin('near_limit')))
    assert not refused['ok'] and 'too long' in refused['error'], refused
    encode_errors.append({'name': 'signed_over_limit', 'keys': 'signed', 'id': pin('near_limit')['id'],
                          'creation_time': repr(TIMES[0]), 'accessed_time': repr(TIMES[1]),
                          'data': json.dumps({'blob': blob(hi)}), 'reason': 'too_large',
                          'beaker': refused['error']})

    # Valid cookies that Beaker's writer never produces, but its reader accepts.
    sid = 'f' * 32
    odd = [
        ('old_expires_key', '{"_id": "%s", "_creation_time": 1.0, "_expires": 1234.5, "_accessed_time": 2, "k": 1}' % sid),
        ('duplicate_keys', '{"_id": "%s", "_creation_time": 1.0, "_accessed_time": 2.0, "a": 1, "b": 2, "a": 3}' % sid),
        ('escapes_and_numbers', '{"_id": "%s", "_creation_time": 1e9, "_accessed_time": 1E9, "\\u0061": "\\ud83d\\ude00", '
                                '"n": [1.0, 1e2, -0, -0.0, 5e-324, 0.1e1]}' % sid),
        ('compact_json', '{"_id":"%s","_creation_time":1.5,"_accessed_time":2.5,"x":{"y":[true,false,null]}}' % sid),
        ('over_4064_payload', json.dumps({'_id': sid, '_creation_time': 1.0, '_accessed_time': 2.0, 'big': blob(5000)})),
    ]
    for name, text in odd:
        cookie = crafted(text)
        assert len(cookie) - 40 > 4064 or name != 'over_4064_payload'
        got = decode(dict(keys['signed'], cookie=cookie))
        if name == 'over_4064_payload':
            # Beaker re-saves the cookie while loading it, and that raises: a reader must not.
            assert not got['ok'] and 'too long' in got['error'], got
            got = summary(json.loads(text))
        assert name == 'over_4064_payload' or got['ok'], (name, got)
        valid.append({'name': name, 'keys': 'signed', 'cookie': cookie, 'id': got['id'],
                      'creation_time': got['creation_time'], 'accessed_time': got['accessed_time'],
                      'expires': got['expires'], 'data': got['user_json']})
    quoted = valid[0]
    valid.append(dict(quoted, name='quoted_value', cookie='"%s"' % quoted['cookie'], random=None))

    # Cookies both Beaker and edge-session must refuse.
    base = valid[0]['cookie']
    gcm = next(v for v in valid if v['name'] == 'gcm128_basic')['cookie']
    pickled = generate(dict(keys['signed'], serializer='pickle', data={'user_id': 7}, pin=pin('pickle')))
    pickled_ctr = generate(dict(keys['ctr128'], serializer='pickle', data={'user_id': 7}, pin=pin('pickle_ctr')))
    flip = base[:60] + ('A' if base[60] != 'A' else 'B') + base[61:]
    invalid = [
        ('tampered_payload', 'signed', flip, 'bad_signature'),
        ('wrong_validate_key', 'wrong_key', base, 'bad_signature'),
        ('uppercase_signature', 'signed', base[:40].upper() + base[40:], 'bad_signature'),
        ('truncated_signature', 'signed', base[:39], 'bad_signature'),
        ('wrong_encrypt_key', 'gcm128_wrong_encrypt', gcm, 'bad_tag'),
        ('pickle_signed', 'signed', pickled['cookie'], 'pickle_unsupported'),
        ('pickle_ctr', 'ctr128', pickled_ctr['cookie'], 'pickle_unsupported'),
        ('json_array', 'signed', crafted('[1, 2]'), 'not_object'),
        ('not_base64', 'signed', sign(VKEY, 'not*base64!'), 'malformed'),
        ('not_zlib', 'signed', sign(VKEY, base64.b64encode(b'{"_id": "x"}').decode()), 'malformed'),
        ('bad_json', 'signed', crafted('{"_id": '), 'malformed'),
        ('missing_id', 'signed', crafted('{"_creation_time": 1.0, "_accessed_time": 2.0}'), 'malformed'),
        ('nan_time', 'signed', crafted('{"_id": "x", "_creation_time": NaN, "_accessed_time": 2.0}'), 'malformed'),
        ('empty', 'signed', '', 'malformed'),
    ]
    keys['wrong_key'] = {'validate_key': VKEY + '!'}
    keys['gcm128_wrong_encrypt'] = dict(keys['gcm128'], encrypt_key=EKEY + '!')
    bad = []
    for name, kname, cookie, reason in invalid:
        got = decode(dict(keys[kname], cookie=cookie))
        # Beaker refuses these too, except for the ones it reads more leniently than we do.
        lenient = name in ('missing_id', 'nan_time', 'empty')
        assert got['ok'] == lenient, (name, got)
        bad.append({'name': name, 'keys': kname, 'cookie': cookie, 'reason': reason,
                    'beaker': 'loads it' if got['ok'] else got['error']})

    # Beaker's idle timeout: expired only when now - _accessed_time > timeout.
    expiry = []
    for now, timeout in [(1010.0, 10), (1010.5, 10), (1000.0, 0), (1000.5, 0)]:
        cookie = crafted('{"_id": "%s", "_creation_time": 900.0, "_accessed_time": 1000.0}' % sid)
        got = decode(dict(keys['signed'], cookie=cookie, timeout=timeout, pin={'now': now}))
        assert got['ok'], got
        expiry.append({'accessed_time': 1000.0, 'timeout': timeout, 'now': now, 'expired': got['expired']})

    return {
        'generator': 'tests/beaker/beaker_tool.py fixtures',
        'beaker_version': beaker.__version__,
        'zlib_version': zlib.ZLIB_RUNTIME_VERSION,
        'keys': keys,
        'valid': valid,
        'invalid': bad,
        'encode_errors': encode_errors,
        'expiry': expiry,
    }


def main():
    cmd = sys.argv[1] if len(sys.argv) > 1 else ''
    if cmd == 'fixtures':
        json.dump(fixtures(), sys.stdout, indent=1, ensure_ascii=False)
    elif cmd in ('generate', 'decode'):
        fn = generate if cmd == 'generate' else decode
        json.dump({'beaker_version': beaker.__version__, 'zlib_version': zlib.ZLIB_RUNTIME_VERSION,
                   'results': [fn(case) for case in json.load(sys.stdin)]}, sys.stdout)
    else:
        sys.exit(__doc__)
    sys.stdout.write('\n')


if __name__ == '__main__':
    main()
