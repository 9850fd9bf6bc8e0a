"""Drive the official Python SDK's Configuration API client against a server (test/support/python-sdk.ts).

Reads one JSON plan on standard input:
  {"base_url": "127.0.0.1:8443", "token": "Bearer dal:...", "version": null | "3.4", "http2": false,
   "calls": [{"method": "list_agents", "kwargs": {...}, "as": "name"?, "token": "..."?}, ...]}
builds the client exactly as a user would (`ConfigurationApi.get_client(token=..., base_url=...)`, `version=` only
when the plan names one; `verify=False`: the test server's certificate is self-signed), calls each method with its
keyword arguments, and prints one JSON object on standard output:
  {"client": "<class>", "methods": [public methods of the client class],
   "results": [{"status": 200, "body": ..., "url": "...", "http_version": "HTTP/1.1"} | {"value": ...}
               | {"exception": "..."}]}
A call with "token" uses a client of its own built the same way with that token. A keyword argument's value
{"$ref": "name.body.id"} (anywhere in it) is taken from the result of the earlier call named "name" (list indexes as
numbers: "name.body.responses.0.id"). A method that answers no HTTP response (get_headers, modify_header, ...)
gives {"value": what it returned}.
"""
import inspect
import json
import sys
import warnings

import httpx

# Debian's python3-httpx is 0.23, whose Client() takes `proxies=`; the SDK (written for httpx >= 0.26) passes
# `proxy=`. Map the one onto the other so the SDK's files run unchanged (they are vendored byte for byte).
if 'proxy' not in inspect.signature(httpx.Client.__init__).parameters:
    _client_init = httpx.Client.__init__

    def _init_with_proxy(self, *args, proxy=None, **kwargs):
        if proxy is not None:
            kwargs['proxies'] = proxy
        _client_init(self, *args, **kwargs)

    httpx.Client.__init__ = _init_with_proxy

warnings.filterwarnings('ignore')  # verify=False warns on every request

from livechat.configuration.base import ConfigurationApi  # noqa: E402  (after the httpx adaptation)


def resolve(value, named):
    """The value with every {"$ref": "name.path"} replaced by what the named result holds there."""
    if isinstance(value, dict):
        if set(value) == {'$ref'}:
            name, *path = value['$ref'].split('.')
            found = named[name]
            for key in path:
                found = found[int(key)] if isinstance(found, list) else found[key]
            return found
        return {key: resolve(item, named) for key, item in value.items()}
    if isinstance(value, list):
        return [resolve(item, named) for item in value]
    return value


def main():
    plan = json.load(sys.stdin)

    def client_for(token):
        options = {'token': token, 'base_url': plan['base_url'], 'verify': False}
        if plan.get('version'):
            options['version'] = plan['version']
        if plan.get('http2'):
            options['http2'] = True
        return ConfigurationApi.get_client(**options)

    client = client_for(plan['token'])
    others = {}
    methods = sorted(name for name, member in inspect.getmembers(type(client), inspect.isfunction)
                     if not name.startswith('_'))
    results = []
    named = {}
    for call in plan['calls']:
        target = client
        if call.get('token'):
            if call['token'] not in others:
                others[call['token']] = client_for(call['token'])
            target = others[call['token']]
        try:
            answer = getattr(target, call['method'])(**resolve(call.get('kwargs', {}), named))
            if isinstance(answer, httpx.Response):
                try:
                    body = answer.json()
                except ValueError:
                    body = answer.text
                result = {'status': answer.status_code, 'body': body, 'url': str(answer.request.url),
                          'http_version': answer.http_version}
            else:
                result = {'value': answer}
        except Exception as error:  # pylint: disable=broad-except
            result = {'exception': f'{type(error).__name__}: {error}'}
        results.append(result)
        if call.get('as'):
            named[call['as']] = result
    json.dump({'client': type(client).__name__, 'methods': methods, 'results': results}, sys.stdout, default=str)


main()
