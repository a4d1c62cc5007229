// Gatehouse: small progressive enhancements; every page works without it.
document.addEventListener("DOMContentLoaded", function () {
  // Buttons with data-confirm ask before submitting their form.
  document.querySelectorAll("button[data-confirm]").forEach(function (b) {
    b.addEventListener("click", function (e) {
      if (!window.confirm(b.getAttribute("data-confirm"))) { e.preventDefault(); }
    });
  });
  // Forms with data-confirm ask before submitting.
  document.querySelectorAll("form[data-confirm]").forEach(function (f) {
    f.addEventListener("submit", function (e) {
      if (!window.confirm(f.getAttribute("data-confirm"))) { e.preventDefault(); }
    });
  });
  // On a phone the Menu link opens and closes the navigation in place.
  document.querySelectorAll(".nav-toggle").forEach(function (b) {
    b.setAttribute("role", "button");
    b.addEventListener("click", function (e) {
      e.preventDefault();
      var open = b.closest(".sidebar").classList.toggle("nav-open");
      b.setAttribute("aria-expanded", open ? "true" : "false");
    });
  });
  // A hidden field with data-copy-from takes, when its form is sent, the
  // value of that field elsewhere on the page (a script's Test sends the
  // code as typed in Settings, saved or not).
  document.querySelectorAll("input[type=hidden][data-copy-from]").forEach(function (h) {
    if (!h.form) { return; }
    h.form.addEventListener("submit", function () {
      var src = document.querySelector(h.getAttribute("data-copy-from"));
      if (src) { h.value = src.value; }
    });
  });
  // Flash messages can be dismissed.
  document.querySelectorAll("[data-dismiss]").forEach(function (b) {
    b.addEventListener("click", function () { b.closest(".flash").remove(); });
  });
  // A form sent back with errors: focus its first invalid field, brought to
  // the middle of the screen so its label and message show too. (Focusing
  // before the browser handles autofocus makes it skip autofocus.)
  var invalid = document.querySelector('[aria-invalid="true"]');
  if (invalid && typeof invalid.focus === "function") {
    if (typeof invalid.scrollIntoView === "function") {
      invalid.scrollIntoView({ block: "center" });
    }
    try { invalid.focus({ preventScroll: true }); } catch (e) { invalid.focus(); }
  }
});

// Workspaces: the Add User picker and the workspace switcher.
document.addEventListener("DOMContentLoaded", function () {
  // An input with data-candidates searches the tenant's administrators as
  // one types (GET <url>?q=, at most 20) and offers them in a listbox; the
  // chosen e-mail fills the input. Without JavaScript one types the e-mail.
  document.querySelectorAll("input[data-candidates]").forEach(function (input, n) {
    var url = input.getAttribute("data-candidates");
    var list = document.createElement("ul");
    list.id = "picker-" + n;
    list.className = "picker-list";
    list.setAttribute("role", "listbox");
    var noun = input.getAttribute("data-picker-noun") || "administrator"; // what the picker finds
    list.setAttribute("aria-label", "Matching " + noun + "s");
    list.hidden = true;
    input.insertAdjacentElement("afterend", list);
    input.setAttribute("role", "combobox");
    input.setAttribute("aria-autocomplete", "list");
    input.setAttribute("aria-controls", list.id);
    input.setAttribute("aria-expanded", "false");
    var timer = null, seq = 0, active = -1, options = [];

    function close() {
      list.hidden = true;
      input.setAttribute("aria-expanded", "false");
      input.removeAttribute("aria-activedescendant");
      active = -1;
    }
    function highlight(i) {
      options.forEach(function (o, j) { o.setAttribute("aria-selected", j === i ? "true" : "false"); });
      active = i;
      if (i >= 0) {
        input.setAttribute("aria-activedescendant", options[i].id);
        options[i].scrollIntoView({ block: "nearest" });
      } else {
        input.removeAttribute("aria-activedescendant");
      }
    }
    function choose(o) {
      clearTimeout(timer);
      seq++; // an answer still on its way is for what was typed before
      input.value = o.getAttribute("data-email");
      close();
      input.dispatchEvent(new Event("change", { bubbles: true }));
    }
    function show(candidates, q) {
      // A newer answer keeps the highlighted administrator highlighted.
      var kept = active >= 0 ? options[active].getAttribute("data-email") : "";
      list.textContent = "";
      options = [];
      active = -1;
      if (candidates.length === 0) {
        var empty = document.createElement("li");
        empty.className = "picker-empty";
        empty.textContent = q ? "No " + noun + " matches \u201c" + q + "\u201d." : "No " + noun + "s.";
        list.appendChild(empty);
      }
      candidates.forEach(function (c, i) {
        var li = document.createElement("li");
        li.id = list.id + "-" + i;
        li.className = "picker-option";
        li.setAttribute("role", "option");
        li.setAttribute("aria-selected", "false");
        li.setAttribute("data-email", c.email);
        var name = document.createElement("span");
        name.className = "picker-name";
        name.textContent = c.name || c.email;
        var email = document.createElement("span");
        email.className = "picker-email";
        email.textContent = c.email;
        li.appendChild(name);
        li.appendChild(email);
        if (c.status && c.status !== "active") {
          var badge = document.createElement("span");
          badge.className = "badge badge-" + c.status;
          badge.textContent = c.status;
          li.appendChild(badge);
        }
        li.addEventListener("mousedown", function (e) { e.preventDefault(); choose(li); });
        list.appendChild(li);
        options.push(li);
      });
      list.hidden = false;
      input.setAttribute("aria-expanded", "true");
      options.forEach(function (o, i) { if (o.getAttribute("data-email") === kept) { highlight(i); } });
    }
    // Viewers who may not read the Administrators list get matches only
    // after data-min-chars typed characters (the server says so too).
    var min = parseInt(input.getAttribute("data-min-chars") || "0", 10);
    function search() {
      var q = input.value.trim();
      var mine = ++seq;
      if (Array.from(q).length < min) {
        list.textContent = "";
        options = [];
        active = -1;
        var hint = document.createElement("li");
        hint.className = "picker-empty";
        hint.textContent = "Type at least " + min + " characters of a name or e-mail.";
        list.appendChild(hint);
        list.hidden = false;
        input.setAttribute("aria-expanded", "true");
        return;
      }
      fetch(url + "?q=" + encodeURIComponent(q), { credentials: "same-origin", headers: { Accept: "application/json" } })
        .then(function (r) { return r.ok ? r.json() : { candidates: [] }; })
        .then(function (data) { if (mine === seq && document.activeElement === input) { show(data.candidates || [], q); } })
        .catch(function () { /* the input still takes a typed e-mail */ });
    }
    input.addEventListener("input", function () {
      clearTimeout(timer);
      timer = setTimeout(search, 150);
    });
    // The Enter that picked an administrator does not also submit the form
    // (some input methods send its character separately).
    var chose = false;
    input.addEventListener("keypress", function (e) {
      if (e.key === "Enter" && chose) { e.preventDefault(); }
      chose = false;
    });
    input.addEventListener("focus", function () { if (list.hidden) { search(); } });
    input.addEventListener("blur", function () { setTimeout(close, 100); });
    input.addEventListener("keydown", function (e) {
      if (list.hidden || options.length === 0) {
        if (e.key === "ArrowDown") { search(); e.preventDefault(); }
        return;
      }
      if (e.key === "ArrowDown") { highlight(Math.min(active + 1, options.length - 1)); e.preventDefault(); }
      else if (e.key === "ArrowUp") { highlight(Math.max(active - 1, 0)); e.preventDefault(); }
      else if (e.key === "Enter" && (active >= 0 || options.length === 1)) { choose(options[Math.max(active, 0)]); chose = true; e.preventDefault(); }
      else if (e.key === "Escape") { close(); e.preventDefault(); }
    });
  });

  // The workspace switcher (a <details> menu) closes on Escape or a click elsewhere.
  document.querySelectorAll("details[data-switcher]").forEach(function (d) {
    document.addEventListener("click", function (e) { if (d.open && !d.contains(e.target)) { d.open = false; } });
    d.addEventListener("keydown", function (e) {
      if (e.key === "Escape" && d.open) { d.open = false; d.querySelector("summary").focus(); }
    });
  });
});

// Passkeys: forms with data-passkey="register" (the account page's Add a
// passkey) or "login" (Sign in with a passkey; the second step of a
// sign-in) run the WebAuthn ceremony: POST data-begin-url for the options,
// the browser asks the authenticator, POST the credential's JSON to
// data-finish-url (with ?name= when adding), then go where the answer's
// "redirect" says. The CSRF token goes in the X-CSRF-Token header. Shown
// only where the browser supports passkeys.
(function () {
  function b64urlToBytes(s) {
    s = s.replace(/-/g, "+").replace(/_/g, "/");
    while (s.length % 4) { s += "="; }
    var bin = atob(s), out = new Uint8Array(bin.length);
    for (var i = 0; i < bin.length; i++) { out[i] = bin.charCodeAt(i); }
    return out.buffer;
  }
  function bytesToB64url(buf) {
    var bytes = new Uint8Array(buf), bin = "";
    for (var i = 0; i < bytes.length; i++) { bin += String.fromCharCode(bytes[i]); }
    return btoa(bin).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
  }
  // The standard JSON forms, by the browser when it can, else by hand.
  function creationOptions(json) {
    if (PublicKeyCredential.parseCreationOptionsFromJSON) { return PublicKeyCredential.parseCreationOptionsFromJSON(json); }
    var o = Object.assign({}, json);
    o.challenge = b64urlToBytes(json.challenge);
    o.user = Object.assign({}, json.user, { id: b64urlToBytes(json.user.id) });
    o.excludeCredentials = (json.excludeCredentials || []).map(function (c) { return Object.assign({}, c, { id: b64urlToBytes(c.id) }); });
    return o;
  }
  function requestOptions(json) {
    if (PublicKeyCredential.parseRequestOptionsFromJSON) { return PublicKeyCredential.parseRequestOptionsFromJSON(json); }
    var o = Object.assign({}, json);
    o.challenge = b64urlToBytes(json.challenge);
    o.allowCredentials = (json.allowCredentials || []).map(function (c) { return Object.assign({}, c, { id: b64urlToBytes(c.id) }); });
    return o;
  }
  function credentialJSON(cred) {
    if (typeof cred.toJSON === "function") { return cred.toJSON(); }
    var r = cred.response, out = { id: cred.id, rawId: bytesToB64url(cred.rawId), type: cred.type,
      authenticatorAttachment: cred.authenticatorAttachment || undefined,
      clientExtensionResults: cred.getClientExtensionResults ? cred.getClientExtensionResults() : {}, response: {} };
    out.response.clientDataJSON = bytesToB64url(r.clientDataJSON);
    if (r.attestationObject) {
      out.response.attestationObject = bytesToB64url(r.attestationObject);
      out.response.transports = r.getTransports ? r.getTransports() : [];
    } else {
      out.response.authenticatorData = bytesToB64url(r.authenticatorData);
      out.response.signature = bytesToB64url(r.signature);
      if (r.userHandle) { out.response.userHandle = bytesToB64url(r.userHandle); }
    }
    return out;
  }
  function post(url, token, body) {
    var headers = { "X-CSRF-Token": token, Accept: "application/json" };
    if (body !== undefined) { headers["Content-Type"] = "application/json"; }
    return fetch(url, { method: "POST", credentials: "same-origin", headers: headers,
      body: body === undefined ? undefined : JSON.stringify(body) })
      .then(function (r) {
        return r.json().catch(function () { return {}; }).then(function (data) {
          if (!r.ok) { throw new Error(data.error || "Something went wrong (" + r.status + "). Reload the page and try again."); }
          return data;
        });
      });
  }

  document.addEventListener("DOMContentLoaded", function () {
    var supported = window.PublicKeyCredential && navigator.credentials && window.isSecureContext;
    document.querySelectorAll("form[data-passkey]").forEach(function (form) {
      var kind = form.getAttribute("data-passkey");
      var button = form.querySelector("[data-passkey-button]");
      var error = form.querySelector("[data-passkey-error]");
      function say(msg) {
        if (!error) { return; }
        error.textContent = msg;
        error.hidden = !msg;
      }
      if (!supported) {
        if (!form.hidden) { say("This browser cannot use passkeys."); }
        return;
      }
      form.hidden = false;
      if (button) { button.disabled = false; }
      form.addEventListener("submit", function (e) {
        e.preventDefault();
        say("");
        var token = (form.querySelector('input[name="_csrf"]') || {}).value || "";
        var finish = form.getAttribute("data-finish-url");
        var nameInput = form.querySelector('input[name="name"]');
        if (kind === "register") {
          var name = nameInput ? nameInput.value.trim() : "";
          if (!name) { say("Give the passkey a name, such as the device it is on."); if (nameInput) { nameInput.focus(); } return; }
          finish += (finish.indexOf("?") < 0 ? "?" : "&") + "name=" + encodeURIComponent(name);
        }
        if (button) { button.disabled = true; }
        post(form.getAttribute("data-begin-url"), token)
          .then(function (options) {
            return kind === "register"
              ? navigator.credentials.create({ publicKey: creationOptions(options) })
              : navigator.credentials.get({ publicKey: requestOptions(options) });
          })
          .then(function (cred) {
            if (!cred) { throw new Error("No passkey was given."); }
            return post(finish, token, credentialJSON(cred));
          })
          .then(function (data) {
            // A page that differs only by its #fragment would not load again.
            var to = new URL(data.redirect || window.location.href, window.location.href);
            if (to.pathname === window.location.pathname && to.search === window.location.search) {
              window.location.hash = to.hash;
              window.location.reload();
            } else {
              window.location.assign(to.href);
            }
          })
          .catch(function (err) {
            if (button) { button.disabled = false; }
            if (err && (err.name === "NotAllowedError" || err.name === "AbortError")) {
              say("The passkey request was cancelled or timed out. Try again.");
            } else if (err && err.name === "InvalidStateError") {
              say("This device already holds a passkey for your account.");
            } else {
              say((err && err.message) || "The passkey could not be used.");
            }
          });
      });
    });
  });
})();

// Single sign-on routing on the sign-in page: typing an address of a domain
// the tenant's identity provider serves offers single sign-on instead of
// the password (the server does the same with a post without a password).
document.addEventListener("DOMContentLoaded", function () {
  document.querySelectorAll("form[data-sso-domains]").forEach(function (form) {
    var domains = form.getAttribute("data-sso-domains").split(/\s+/).filter(Boolean);
    var email = form.querySelector('input[name="email"]');
    var password = form.querySelector('input[name="password"]');
    var submit = form.querySelector('button[type="submit"]');
    if (!email || !submit) { return; }
    var pwField = password ? password.closest(".field") : null;
    var label = submit.textContent;
    var note = document.createElement("p");
    note.className = "notice notice-info sso-route";
    note.setAttribute("role", "status");
    note.hidden = true;
    note.textContent = "Your organization signs in with single sign-on: continue to your identity provider.";
    submit.closest(".actions").insertAdjacentElement("beforebegin", note);
    var hidden = document.createElement("input");
    hidden.type = "hidden";
    hidden.name = "sso";
    form.appendChild(hidden);
    var alt = document.querySelector("[data-sso-alt]");
    function route() {
      var v = email.value.trim().toLowerCase(), at = v.lastIndexOf("@");
      var sso = at > 0 && domains.indexOf(v.slice(at + 1)) >= 0;
      if (alt) { alt.hidden = sso; } // the form's own button is it now
      if (pwField) { pwField.hidden = sso; }
      if (password) { password.disabled = sso; }
      note.hidden = !sso;
      hidden.value = sso ? "1" : "";
      submit.textContent = sso ? (form.getAttribute("data-sso-label") || "Continue with single sign-on") : label;
      form.setAttribute("data-sso-routed", sso ? "true" : "false");
    }
    email.addEventListener("input", route);
    email.addEventListener("change", route);
    route();
  });
  // The single sign-on button takes the address already typed as a hint.
  document.querySelectorAll("input[data-sso-email]").forEach(function (hint) {
    hint.form.addEventListener("submit", function () {
      var typed = document.querySelector('form[data-sso-domains] input[name="email"]');
      if (typed && typed.value.trim()) { hint.value = typed.value.trim(); }
    });
  });
});
