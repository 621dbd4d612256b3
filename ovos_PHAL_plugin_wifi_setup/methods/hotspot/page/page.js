// The page's behaviour with JavaScript: the form goes to /api/connect, the outcome comes from polling /api/status.
(function () {
  "use strict";
  var D = JSON.parse(document.getElementById("page-data").textContent);
  var T = D.texts;
  function el(id) { return document.getElementById(id); }
  var form = el("form"), list = el("list"), empty = el("empty"), details = el("details"), pw = el("password"),
      pwRow = el("pw-row"), toggle = el("toggle"), submit = el("submit"), error = el("error");
  // "Other network": the list's last item, a radio of no SSID with a hidden network's name and security.
  var otherItem = el("other-item"), other = el("other"), hiddenSsid = el("hidden-ssid"), security = el("security");
  var timer = null, expecting = false;

  function fill(text, values) {
    Object.keys(values).forEach(function (k) { text = text.split("{" + k + "}").join(values[k]); });
    return text;
  }
  function view(name) {
    ["choose", "connecting", "connected"].forEach(function (v) { el(v).hidden = v !== name; });
  }
  function showError(text) {
    error.textContent = text || "";
    error.hidden = !text;
  }
  function picked() { return form.querySelector("input[name=ssid]:checked"); }
  function isOther(r) { return !!r && r.getAttribute("data-other") === "1"; }
  function securedOf(r) {
    if (isOther(r)) { return D.passwordless.indexOf(security.value) < 0; }
    return !r || r.getAttribute("data-secured") === "1";
  }
  function minOf(r) {
    if (isOther(r)) { return security.value in D.minBy ? D.minBy[security.value] : D.min; }
    return r ? Number(r.getAttribute("data-min")) : D.min;
  }
  function sync(focus) {
    var r = picked(), secured = securedOf(r), min = minOf(r);
    Array.prototype.forEach.call(list.children, function (li) {
      li.classList.toggle("picked", !!r && li.contains(r));
    });
    var home = r ? r.closest("li") : form;
    if (details.parentNode !== home) { home.appendChild(details); }
    details.hidden = !r;
    other.hidden = !isOther(r);
    pwRow.hidden = !secured;
    pw.disabled = !secured;
    pw.required = secured;
    pw.minLength = secured ? min : 0;
    if (focus && isOther(r)) { hiddenSsid.focus(); } else if (focus && r && secured) { pw.focus(); }
  }
  function request(method, path, body) {
    var controller = new AbortController();
    var stop = setTimeout(function () { controller.abort(); }, D.fetchTimeout);
    var options = {method: method, cache: "no-store", signal: controller.signal, headers: {}};
    if (body !== undefined) {
      options.body = JSON.stringify(body);
      options.headers["Content-Type"] = "application/json";
    }
    return fetch(path, options).then(function (res) {
      return res.json().catch(function () { return null; }).then(function (data) {
        clearTimeout(stop);
        return {status: res.status, body: data};
      });
    }, function (e) { clearTimeout(stop); throw e; });
  }
  function item(n) {
    var li = document.createElement("li"), label = document.createElement("label");
    var input = document.createElement("input"), name = document.createElement("span");
    var sec = document.createElement("span"), meter = document.createElement("span");
    var words = document.createElement("span");
    label.className = "net";
    input.type = "radio";
    input.name = "ssid";
    input.value = n.ssid;
    input.setAttribute("data-secured", n.secured ? "1" : "0");
    var first = n.security.split(" ")[0];
    input.setAttribute("data-min", String(!n.secured ? 0 : first in D.minBy ? D.minBy[first] : D.min));
    input.disabled = n.joinable === false;
    name.className = "name";
    // The name as the device displays it (unseen characters escaped); the radio's value stays the SSID.
    name.textContent = n.display || n.ssid;
    sec.className = "sec";
    sec.textContent = n.secured || n.security ? n.security.split(" ").map(function (w) {
      return w === "Open" ? T.open : w === "OWE" ? T.enhancedOpen : w;
    }).join(" ") : T.open;
    words.className = "text";
    words.appendChild(name);
    if (n.lookalike) {
      var warn = document.createElement("span");
      warn.className = "warn";
      warn.textContent = T.lookalike;
      words.appendChild(warn);
    }
    words.appendChild(sec);
    if (n.joinable === false) {
      var note = document.createElement("span");
      note.className = "note";
      note.textContent = T.notes[n.note] || "";
      words.appendChild(note);
    }
    var level = Math.max(0, Math.min(4, Math.floor((n.strength + 24) / 25)));
    meter.className = "bars b" + level;
    meter.setAttribute("role", "img");
    meter.setAttribute("aria-label", fill(T.signal, {strength: String(n.strength)}));
    for (var i = 0; i < 4; i++) { meter.appendChild(document.createElement("i")); }
    label.appendChild(input);
    label.appendChild(words);
    label.appendChild(meter);
    li.appendChild(label);
    return li;
  }
  function refreshList(keep) {
    request("GET", "/api/networks").then(function (res) {
      if (res.status !== 200 || !res.body || !Array.isArray(res.body.networks)) { return; }
      form.appendChild(details);
      while (list.firstChild) { list.removeChild(list.firstChild); }
      res.body.networks.forEach(function (n) {
        var li = item(n);
        if (n.ssid === keep) { li.querySelector("input").checked = true; }
        list.appendChild(li);
      });
      list.appendChild(otherItem);  // last, whatever the scan found
      empty.hidden = res.body.networks.length > 0;
      sync(false);
    }, function () {});
  }
  function poll() {
    clearTimeout(timer);
    timer = setTimeout(check, D.poll);
  }
  function connecting(ssid) {
    if (ssid) { el("connecting-text").textContent = fill(T.connecting, {ssid: ssid}); }
    view("connecting");
  }
  function check() {
    request("GET", "/api/status").then(function (res) {
      var s = res.body || {};
      if (res.status !== 200) { poll(); return; }
      if (s.state === "connecting") {
        expecting = false;
        connecting(s.ssid);
        poll();
      } else if (s.state === "connected") {
        el("connected-text").textContent = fill(T.connected, {ssid: s.ssid || ""});
        view("connected");
      } else if (s.state === "failed") {
        expecting = false;
        showError(s.error || T.internal);
        view("choose");
        refreshList(s.ssid);
      } else {
        if (expecting) { showError(T.noAnswer); }
        expecting = false;
        view("choose");
      }
    }, function () {
      poll();  // the device cannot be reached: the phone may have left the setup network for now
    });
  }

  form.noValidate = true;
  list.addEventListener("change", function (ev) {
    if (ev.target.name !== "ssid") { return; }  // the password field (moved into the list) changes too
    showError("");
    sync(true);
  });
  security.addEventListener("change", function () { showError(""); sync(false); });
  // Rescan: the setup network may drop meanwhile (the note says so); the list comes once the status stops scanning.
  var rescanButton = el("rescan"), rescanNote = el("rescan-note");
  function afterRescan(tries) {
    request("GET", "/api/status").then(function (res) {
      if (res.status === 200 && res.body && !res.body.scanning) {
        rescanButton.disabled = false;
        rescanNote.textContent = T.rescanNote;
        refreshList(picked() ? picked().value : null);
      } else if (tries > 0) {
        setTimeout(function () { afterRescan(tries - 1); }, D.poll);
      }
    }, function () {
      if (tries > 0) { setTimeout(function () { afterRescan(tries - 1); }, D.poll); }
    });
  }
  el("rescan-row").hidden = false;
  rescanButton.addEventListener("click", function () {
    showError("");
    rescanButton.disabled = true;
    rescanNote.textContent = T.rescanning;
    request("POST", "/api/rescan", {}).then(function (res) {
      if (res.status === 202) { afterRescan(Math.ceil(60000 / D.poll)); return; }
      rescanButton.disabled = false;
      rescanNote.textContent = T.rescanNote;
      showError((res.body && res.body.error) || T.internal);
    }, function () { afterRescan(Math.ceil(60000 / D.poll)); });  // the answer lost as the network dropped
  });
  toggle.hidden = false;
  toggle.addEventListener("click", function () {
    var shown = pw.type === "password";
    pw.type = shown ? "text" : "password";
    toggle.textContent = shown ? T.hide : T.show;
  });
  form.addEventListener("submit", function (ev) {
    ev.preventDefault();
    var r = picked();
    if (!r) { showError(T.pickFirst); return; }
    var secured = securedOf(r);
    var password = secured ? pw.value : "";
    var length = Array.from(password).length;
    var min = minOf(r);
    var hidden = isOther(r), typed = hiddenSsid.value;
    if (hidden && !typed.trim()) { showError(T.hiddenName); hiddenSsid.focus(); return; }
    if (hidden && new TextEncoder().encode(typed).length > D.maxSsid) {
      showError(T.ssidTooLong); hiddenSsid.focus(); return;
    }
    if (secured && length < min) { showError(min === D.min ? T.tooShort : T.tooShortFor); pw.focus(); return; }
    if (length > D.max) { showError(T.tooLong); pw.focus(); return; }
    var body = hidden ? {ssid: typed, password: password, hidden: true, security: security.value}
      : {ssid: r.value, password: password};
    // The name the list shows (a non-UTF-8 SSID's value is its id, not a name to read).
    var named = hidden ? typed : r.closest("label").querySelector(".name").textContent;
    if (D.code) {
      body.code = el("code").value.replace(/\s+/g, "");
      if (!body.code) { showError(T.codeNeeded); el("code").focus(); return; }
    }
    showError("");
    submit.disabled = true;
    request("POST", "/api/connect", body).then(function (res) {
      submit.disabled = false;
      if (res.status === 202 || res.status === 200 || res.status === 409) {
        connecting(res.status === 409 ? "" : named);
        check();
      } else {
        showError((res.body && res.body.error) || T.internal);
      }
    }, function () {
      submit.disabled = false;
      expecting = true;  // the answer was lost: the status tells whether the device got the request
      connecting(named);
      poll();
    });
  });
  sync(false);
  if (D.state === "connecting") { connecting(D.ssid); poll(); }
})();
