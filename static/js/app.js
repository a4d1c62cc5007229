// Gatehouse: small progressive enhancements; every page works without it.
document.addEventListener("DOMContentLoaded", function () {
  // Forms with data-confirm ask before submitting.
  document.querySelectorAll("form[data-confirm]").forEach(function (f) {
    f.addEventListener("submit", function (e) {
      if (!window.confirm(f.getAttribute("data-confirm"))) { e.preventDefault(); }
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
    function search() {
      var q = input.value.trim();
      var mine = ++seq;
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
