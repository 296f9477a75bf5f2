/* GraphiQL on /graphql or /metadata (twenty-actors, MIT): the endpoint is the page's own URL.
 *
 * Every request, the introspection that fills the docs pane included, carries the token of the token
 * field (token.js); a new token gives GraphiQL a new fetcher, so the schema of that token's workspace
 * is loaded again. Headers written in GraphiQL's own header editor are sent too and win.
 */
(function () {
  "use strict";
  var element = document.getElementById("graphiql");
  var endpoint = element.getAttribute("data-endpoint");

  var DEFAULT_QUERIES = {
    "/graphql":
      "# The core API of the workspace of the token above.\n" +
      "# Ctrl-Enter runs the query; the Docs button shows every object and field.\n" +
      "{\n  companies(first: 10) {\n    edges {\n      node {\n        id\n        name\n" +
      "        employees\n        createdAt\n      }\n    }\n    totalCount\n  }\n}\n",
    "/metadata":
      "# The metadata API: objects, fields, relations, API keys and webhooks.\n" +
      "{\n  objects {\n    edges {\n      node {\n        nameSingular\n        namePlural\n" +
      "        isCustom\n      }\n    }\n  }\n}\n",
  };

  // the tabs of /graphql and of /metadata are kept apart in local storage
  var prefix = "twenty-actors:" + endpoint + ":";
  var storage = {
    getItem: function (key) {
      return window.localStorage.getItem(prefix + key);
    },
    setItem: function (key, value) {
      window.localStorage.setItem(prefix + key, value);
    },
    removeItem: function (key) {
      window.localStorage.removeItem(prefix + key);
    },
    clear: function () {
      Object.keys(window.localStorage)
        .filter(function (key) {
          return key.indexOf(prefix) === 0;
        })
        .forEach(function (key) {
          window.localStorage.removeItem(key);
        });
    },
    get length() {
      return Object.keys(window.localStorage).filter(function (key) {
        return key.indexOf(prefix) === 0;
      }).length;
    },
  };

  var NO_TOKEN = {
    errors: [
      {
        message:
          "Paste an access token or API key in the field above (or send an Authorization header " +
          "from the Headers tab): every request to " + endpoint + " needs one.",
        extensions: { code: "UNAUTHENTICATED" },
      },
    ],
  };

  function hasAuthorization(headers) {
    return Object.keys(headers || {}).some(function (name) {
      return name.toLowerCase() === "authorization";
    });
  }

  var plain = GraphiQL.createFetcher({ url: endpoint });

  function fetcher(token) {
    var withToken = token
      ? GraphiQL.createFetcher({ url: endpoint, headers: { Authorization: "Bearer " + token } })
      : null;
    return function (params, options) {
      if (hasAuthorization(options && options.headers)) {
        return plain(params, options); // the Headers tab names its own credentials
      }
      if (!withToken) {
        // nothing to authenticate with: say so, instead of a 401 from the server
        return Promise.resolve(NO_TOKEN);
      }
      return withToken(params, options);
    };
  }

  var root = ReactDOM.createRoot(element);

  function render(token) {
    root.render(
      React.createElement(GraphiQL, {
        fetcher: fetcher(token),
        defaultQuery: DEFAULT_QUERIES[endpoint] || "",
        storage: storage,
        defaultEditorToolsVisibility: false,
        shouldPersistHeaders: false,
      })
    );
  }

  render(window.twentyToken.get());
  window.twentyToken.onChange(render);
})();
