// Passkeys: registering one on the account page, and signing in with one on the sign-in
// page. The server sends WebAuthn options as JSON (base64url for the binary fields);
// the browser's own PublicKeyCredential.parse*OptionsFromJSON and toJSON do the
// conversions, so nothing here encodes bytes by hand.
(function () {
  "use strict";

  function csrf(form) {
    var input = form.querySelector("input[name=csrf_token]");
    return input ? input.value : "";
  }

  function say(box, text) {
    if (!box) { return; }
    box.textContent = text;
    box.hidden = !text;
  }

  // A problem's sentence, else a plain one for the status.
  function reason(response) {
    return response.text().then(function (body) {
      try {
        var problem = JSON.parse(body);
        if (problem && problem.detail) { return problem.detail; }
      } catch (e) { /* not JSON */ }
      return "Hopper answered " + response.status + "; try again.";
    });
  }

  function post(form, url, body) {
    return fetch(url, {
      method: "POST",
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRF-Token": csrf(form) },
      body: JSON.stringify(body || {})
    }).then(function (response) {
      if (response.ok) { return response.json(); }
      return reason(response).then(function (text) { throw new Error(text); });
    });
  }

  // What the browser's refusal means to a person.
  function browserSaid(error) {
    if (error && error.name === "NotAllowedError") {
      return "The passkey prompt was closed or timed out, or this device has no passkey for that account.";
    }
    if (error && error.name === "InvalidStateError") {
      return "This device's passkey is already registered for your account.";
    }
    return (error && error.message) || "The passkey did not work; try again.";
  }

  function supported(box) {
    if (window.PublicKeyCredential && PublicKeyCredential.parseCreationOptionsFromJSON) {
      return true;
    }
    say(box, "This browser cannot use passkeys; use your password.");
    return false;
  }

  function register(form) {
    var box = document.getElementById("passkey-error");
    var name = form.querySelector("[name=name]").value.trim();
    if (!name) { say(box, "Give the passkey a name."); return; }
    if (!supported(box)) { return; }
    say(box, "");
    post(form, "/account/passkeys/options").then(function (started) {
      var options = PublicKeyCredential.parseCreationOptionsFromJSON(started.options.publicKey);
      return navigator.credentials.create({ publicKey: options }).then(function (credential) {
        return post(form, "/account/passkeys", {
          ceremony: started.ceremony, name: name, credential: credential.toJSON()
        });
      });
    }).then(function (done) {
      window.location.assign(done.location);
    }).catch(function (error) { say(box, browserSaid(error)); });
  }

  function signIn(form) {
    var box = document.getElementById("passkey-error");
    var username = form.querySelector("[name=username]").value.trim();
    if (!username) { say(box, "Enter your username first, then use your passkey."); return; }
    if (!supported(box)) { return; }
    say(box, "");
    post(form, "/login/passkey/options", { username: username }).then(function (started) {
      var options = PublicKeyCredential.parseRequestOptionsFromJSON(started.options.publicKey);
      return navigator.credentials.get({ publicKey: options }).then(function (credential) {
        var next = form.querySelector("[name=next]");
        return post(form, "/login/passkey", {
          ceremony: started.ceremony, credential: credential.toJSON(), next: next ? next.value : ""
        });
      });
    }).then(function (done) {
      window.location.assign(done.location);
    }).catch(function (error) { say(box, browserSaid(error)); });
  }

  // The second step after a password: the pending account's passkey.
  function secondFactor(form) {
    var box = document.getElementById("passkey-error");
    if (!supported(box)) { return; }
    say(box, "");
    post(form, "/login/two-factor/passkey/options").then(function (started) {
      var options = PublicKeyCredential.parseRequestOptionsFromJSON(started.options.publicKey);
      return navigator.credentials.get({ publicKey: options }).then(function (credential) {
        return post(form, "/login/two-factor/passkey", {
          ceremony: started.ceremony, credential: credential.toJSON()
        });
      });
    }).then(function (done) {
      window.location.assign(done.location);
    }).catch(function (error) { say(box, browserSaid(error)); });
  }

  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (form.hasAttribute("data-passkey-register")) {
      event.preventDefault();
      register(form);
    }
  });
  document.addEventListener("click", function (event) {
    var button = event.target.closest("[data-passkey-sign-in]");
    if (button) {
      event.preventDefault();
      signIn(button.form);
    }
    var second = event.target.closest("[data-passkey-second-factor]");
    if (second) {
      event.preventDefault();
      secondFactor(second.form);
    }
  });
})();
