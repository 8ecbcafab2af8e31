// Security keys and passkeys (WebAuthn): add one, sign in with one, confirm a change with one.
// Loaded as a file (the Content-Security-Policy allows no inline script). The server sends
// options as JSON (binary fields in base64url); answers go back as JSON with the CSRF token in
// the X-CSRF-Token header.
"use strict";

(function () {
  function toBytes(base64url) {
    const base64 = base64url.replace(/-/g, "+").replace(/_/g, "/");
    const padded = base64 + "=".repeat((4 - (base64.length % 4)) % 4);
    return Uint8Array.from(atob(padded), (c) => c.charCodeAt(0)).buffer;
  }

  function toBase64url(buffer) {
    let text = "";
    new Uint8Array(buffer).forEach((b) => { text += String.fromCharCode(b); });
    return btoa(text).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
  }

  async function postJSON(url, csrf, body) {
    const response = await fetch(url, {
      method: "POST",
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRF-Token": csrf },
      body: JSON.stringify(body || {}),
    });
    let payload = {};
    try {
      payload = await response.json();
    } catch (e) {
      payload = {};
    }
    if (!response.ok) {
      throw new Error(payload.error || "The index refused the request (" + response.status + ").");
    }
    return payload;
  }

  function creationOptions(options) {
    options.challenge = toBytes(options.challenge);
    options.user.id = toBytes(options.user.id);
    (options.excludeCredentials || []).forEach((c) => { c.id = toBytes(c.id); });
    return options;
  }

  function requestOptions(options) {
    options.challenge = toBytes(options.challenge);
    (options.allowCredentials || []).forEach((c) => { c.id = toBytes(c.id); });
    return options;
  }

  function credentialJSON(credential) {
    const response = credential.response;
    const json = {
      id: credential.id,
      rawId: toBase64url(credential.rawId),
      type: credential.type,
      clientExtensionResults: credential.getClientExtensionResults(),
      response: { clientDataJSON: toBase64url(response.clientDataJSON) },
    };
    if (credential.authenticatorAttachment) {
      json.authenticatorAttachment = credential.authenticatorAttachment;
    }
    if (response.attestationObject) {
      json.response.attestationObject = toBase64url(response.attestationObject);
      if (response.getTransports) {
        json.response.transports = response.getTransports();
      }
    } else {
      json.response.authenticatorData = toBase64url(response.authenticatorData);
      json.response.signature = toBase64url(response.signature);
      if (response.userHandle) {
        json.response.userHandle = toBase64url(response.userHandle);
      }
    }
    return json;
  }

  async function assertion(optionsURL, csrf) {
    const options = await postJSON(optionsURL, csrf);
    const credential = await navigator.credentials.get({ publicKey: requestOptions(options) });
    return credentialJSON(credential);
  }

  function showError(section, error) {
    const line = section.querySelector(".webauthn-error");
    line.textContent = error && error.name === "NotAllowedError"
      ? "The security key did not answer (cancelled or timed out). Try again."
      : String((error && error.message) || error);
    line.hidden = false;
  }

  function setUpAdding(section) {
    const form = document.getElementById("webauthn-add");
    if (!form) return;
    form.hidden = false;
    form.addEventListener("submit", async (event) => {
      event.preventDefault();
      const csrf = section.dataset.csrf;
      try {
        const options = await postJSON(section.dataset.registerOptions, csrf);
        const credential = await navigator.credentials.create({
          publicKey: creationOptions(options),
        });
        const result = await postJSON(section.dataset.register, csrf, {
          name: form.elements.namedItem("name").value,
          credential: credentialJSON(credential),
        });
        if (result.recovery_codes) {
          const box = document.getElementById("webauthn-recovery-codes");
          const list = box.querySelector("ol");
          result.recovery_codes.forEach((code) => {
            const item = document.createElement("li");
            const text = document.createElement("code");
            text.textContent = code;
            item.appendChild(text);
            list.appendChild(item);
          });
          box.querySelector(".webauthn-continue").href = result.redirect;
          form.hidden = true;
          box.hidden = false;
        } else {
          window.location.assign(result.redirect);
        }
      } catch (error) {
        showError(section, error);
      }
    });
  }

  function setUpConfirming(section) {
    section.querySelectorAll("form.webauthn-confirm").forEach((form) => {
      const button = form.querySelector(".webauthn-confirm-button");
      button.hidden = false;
      button.addEventListener("click", async () => {
        try {
          const answer = await assertion(section.dataset.checkOptions, section.dataset.csrf);
          form.elements.namedItem("assertion").value = JSON.stringify(answer);
          form.submit();
        } catch (error) {
          showError(section, error);
        }
      });
    });
  }

  function setUpSignIn(section) {
    const button = section.querySelector(".webauthn-sign-in");
    button.hidden = false;
    button.addEventListener("click", async () => {
      const csrf = section.dataset.csrf;
      try {
        const answer = await assertion(section.dataset.signInOptions, csrf);
        const result = await postJSON(section.dataset.signIn, csrf, {
          credential: answer,
          next: section.dataset.next,
        });
        window.location.assign(result.redirect);
      } catch (error) {
        showError(section, error);
      }
    });
  }

  document.addEventListener("DOMContentLoaded", () => {
    if (!window.PublicKeyCredential) return; // the forms with codes still work
    document.querySelectorAll("section.webauthn").forEach((section) => {
      if (section.dataset.signIn) {
        setUpSignIn(section);
      } else {
        setUpAdding(section);
        setUpConfirming(section);
      }
    });
  });
})();
