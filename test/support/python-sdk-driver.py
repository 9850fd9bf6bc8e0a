"""Drive the official Python SDK's Configuration API client against a server (test/support/python-sdk.ts).

Reads one JSON plan on standard input:
  {"base_url": "localhost:8443", "token": "Bearer dal:...", "version": null | "3.4", "http2": false,
   "calls": [{"method": "list_agents", "kwargs": {...}}, ...]}
builds the client exactly as a user would (`ConfigurationApi.get_client(token=..., base_url=...)`, `version=` only
when the plan names one; `verify=False`: the test server's certificate is self-signed), calls each method with its
keyword arguments, and prints one JSON object on standard output:
  {"client": "<class>", "methods": [public methods of the client class],
   "results": [{"status": 200, "body": ..., "url": "...", "http_version": "HTTP/1.1"} | {"exception": "..."}]}
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


def main():
    plan = json.load(sys.stdin)
    options = {'token': plan['token'], 'base_url': plan['base_url'], 'verify': False}
    if plan.get('version'):
        options['version'] = plan['version']
    if plan.get('http2'):
        options['http2'] = True
    client = ConfigurationApi.get_client(**options)
    methods = sorted(name for name, member in inspect.getmembers(type(client), inspect.isfunction)
                     if not name.startswith('_'))
    results = []
    for call in plan['calls']:
        try:
            response = getattr(client, call['method'])(**call.get('kwargs', {}))
            try:
                body = response.json()
            except ValueError:
                body = response.text
            results.append({'status': response.status_code, 'body': body, 'url': str(response.request.url),
                            'http_version': response.http_version})
        except Exception as error:  # pylint: disable=broad-except
            results.append({'exception': f'{type(error).__name__}: {error}'})
    json.dump({'client': type(client).__name__, 'methods': methods, 'results': results}, sys.stdout)


main()
