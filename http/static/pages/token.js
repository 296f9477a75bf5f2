/* The token field of the GraphiQL and docs pages (twenty-actors, MIT).
 *
 * The access token or API key pasted into the field is kept in this browser's local storage, under one
 * key shared by every page of the server, and each page sends it as "Authorization: Bearer <token>".
 * "Use" (or Enter) keeps the token and tells the page; "Forget" removes it.
 */
(function () {
  "use strict";
  var KEY = "twenty-actors:token";
  var listeners = [];

  function read() {
    try {
      return window.localStorage.getItem(KEY) || "";
    } catch (e) {
      return "";
    }
  }

  function write(token) {
    try {
      if (token) {
        window.localStorage.setItem(KEY, token);
      } else {
        window.localStorage.removeItem(KEY);
      }
    } catch (e) {
      /* storage refused (private mode): the token lives for this page only */
    }
  }

  var current = read();

  function clean(value) {
    // people paste the whole header value too
    return value.trim().replace(/^bearer\s+/i, "").trim();
  }

  function show(state) {
    var label = document.getElementById("token-state");
    if (label) {
      label.textContent = state;
    }
  }

  function set(token) {
    current = clean(token || "");
    write(current);
    show(current ? "token set" : "no token");
    listeners.forEach(function (listener) {
      listener(current);
    });
  }

  window.twentyToken = {
    /** The token in use ("" when none). */
    get: function () {
      return current;
    },
    /** Headers that carry it. */
    headers: function () {
      return current ? { Authorization: "Bearer " + current } : {};
    },
    /** Call listener(token) each time the token changes. */
    onChange: function (listener) {
      listeners.push(listener);
    },
    set: set,
  };

  function bind() {
    var form = document.getElementById("token-form");
    var input = document.getElementById("token");
    var forget = document.getElementById("token-forget");
    if (!form || !input) {
      return;
    }
    input.value = current;
    show(current ? "token set" : "no token");
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      set(input.value);
      input.value = current;
    });
    if (forget) {
      forget.addEventListener("click", function () {
        input.value = "";
        set("");
      });
    }
    // another tab of this server changed the token
    window.addEventListener("storage", function (event) {
      if (event.key === KEY && (event.newValue || "") !== current) {
        input.value = event.newValue || "";
        set(input.value);
      }
    });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", bind);
  } else {
    bind();
  }
})();
