/* Swagger UI over the workspace's OpenAPI document (twenty-actors, MIT).
 *
 * The document is the one of the token's workspace (GET /rest/open-api/core): it is loaded with the
 * token of the token field (token.js), and loaded again when the token changes. "Try it out" sends the
 * token too, to the server the document names (this one, as the browser addressed it), unless the
 * Authorize dialog gave another.
 */
(function () {
  "use strict";
  var element = document.getElementById("swagger-ui");
  var hint = document.getElementById("docs-hint");
  var spec = element.getAttribute("data-spec");

  function withToken(request) {
    var token = window.twentyToken.get();
    var headers = request.headers || (request.headers = {});
    var given = Object.keys(headers).some(function (name) {
      return name.toLowerCase() === "authorization";
    });
    if (token && !given) {
      headers.Authorization = "Bearer " + token;
    }
    return request;
  }

  function load(token) {
    element.textContent = "";
    if (!token) {
      hint.textContent =
        "Paste an access token or API key above: the docs describe the objects of its workspace.";
      return;
    }
    hint.textContent = "";
    window.ui = SwaggerUIBundle({
      url: spec,
      dom_id: "#swagger-ui",
      presets: [SwaggerUIBundle.presets.apis],
      layout: "BaseLayout",
      deepLinking: true,
      docExpansion: "none",
      defaultModelsExpandDepth: 0,
      filter: true,
      tryItOutEnabled: true,
      displayRequestDuration: true,
      validatorUrl: null, // never ask an outside validator about the document
      requestInterceptor: withToken,
    });
  }

  load(window.twentyToken.get());
  window.twentyToken.onChange(load);
})();
