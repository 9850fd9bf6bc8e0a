// autocannon `setupClient` hook (a CommonJS file, so autocannon's worker threads can require() it too).
// autocannon appends every answer's body to a JavaScript string (`pipelinedRequests.addBody`) even when nothing
// reads it; for list_agents' ~705 KiB answers that decoding costs the load generator several times the server's
// CPU per request, so on 2 shared cores the client, not the server, set the req/s. The bench never inspects
// bodies (errors are socket errors, timeouts and non-2xx statuses), so the decoding is skipped; bytes are still
// counted and the HTTP parser still reads every byte of every answer.
'use strict';
module.exports = function discardBodies(client) {
  client.pipelinedRequests.addBody = function () {};
};
