// The widget's panel, inside the loader's iframe on the knowledge base's own origin. It asks through
// /api/widget/answer (the decision card rendered by the site's macros) and files tickets and events through the
// JSON API. The conversation id lives in sessionStorage: browsers send no cookies to a third-party frame.
(function () {
  "use strict";
  var body = document.body;
  var host = body.getAttribute("data-host");
  var lang = body.getAttribute("data-lang");
  var text = JSON.parse(document.getElementById("kbw-text").textContent);
  var log = document.getElementById("kbw-log");
  var live = document.getElementById("kbw-live");
  var problem = document.getElementById("kbw-error");
  var askForm = document.getElementById("kbw-ask");
  var question = document.getElementById("kbw-question");
  var ticket = document.getElementById("kbw-ticket");
  var receipt = document.getElementById("kbw-receipt");
  var storage = (function () { try { return window.sessionStorage; } catch (e) { return null; } })();
  var KEY = "kbw-state";
  var reduced = window.matchMedia("(prefers-reduced-motion: reduce)");
  // conversation: the server's id; question: the case's question; answer: what the host page was told of it.
  var state = load() || {conversation: null, question: null, answer: null, last: null};
  var plan = body.getAttribute("data-plan") || null;  // the host's data-plan, sent with the first question
  var onceKey = null;
  var busy = false;

  function load() { try { return JSON.parse(storage.getItem(KEY)); } catch (e) { return null; } }
  function save() { if (storage) storage.setItem(KEY, JSON.stringify(state)); }
  function tell(type, detail) { if (window.parent !== window) window.parent.postMessage({type: type, detail: detail}, host); }
  function announce(words) { live.textContent = ""; setTimeout(function () { live.textContent = words; }, 50); }
  var scroller = document.querySelector(".kbw-body");
  function reveal(el) {  // scroll the panel's middle only: the header and the question box stay in place
    scroller.scrollTo({top: el.offsetTop - scroller.offsetTop, behavior: reduced.matches ? "auto" : "smooth"});
  }
  function fail(message) { problem.textContent = message || text.failed; problem.hidden = false; }

  function post(path, data, headers) {
    problem.hidden = true;
    var sent = {"Content-Type": "application/json", "Accept": "application/json"};
    for (var name in headers || {}) sent[name] = headers[name];
    return fetch(path + "?lang=" + lang, {method: "POST", headers: sent, body: JSON.stringify(data), credentials: "same-origin"})
      .then(function (response) {
        return response.json().catch(function () { return {}; }).then(function (json) {
          if (!response.ok) { var error = new Error("request failed"); error.body = json; throw error; }
          return json;
        });
      });
  }

  function bubble(words) {
    var p = document.createElement("p");
    p.className = "kbw-you";
    var who = document.createElement("span");
    who.className = "visually-hidden";
    who.textContent = text.you + ": ";
    p.appendChild(who);
    p.appendChild(document.createTextNode(words));
    log.appendChild(p);
  }

  function fold() {
    // Earlier answers shrink to their badge and reason: one full card at a time keeps the panel short.
    var card = log.querySelector(".kbw-answer:not(.kbw-folded)");
    if (!card) return;
    var badge = card.querySelector(".decision .badge");
    var reason = card.querySelector(".decision .reason");
    var short = document.createElement("p");
    short.className = "kbw-earlier";
    short.textContent = text.earlier + ": " + (badge ? badge.textContent + " · " : "") + (reason ? reason.textContent : "");
    card.textContent = "";
    card.appendChild(short);
    card.className = "kbw-answer kbw-folded";
  }

  function render(html) {
    fold();
    var answer = document.createElement("div");
    answer.className = "kbw-answer";
    answer.innerHTML = html;  // the site's own template output, over same-origin fetch
    log.appendChild(answer);
    return answer;
  }

  function ask(words, shown, given) {
    if (busy || !words) return;
    busy = true;
    var data = {question: words, lang: lang};
    if (state.conversation) { data.conversation = state.conversation; data.follow_up = true; }
    if (plan) { data.plan = plan; plan = null; }
    for (var name in given || {}) data[name] = given[name];
    bubble(shown || words);
    announce(text.asking);
    post("/api/widget/answer", data).then(function (json) {
      state.conversation = json.conversation;
      state.question = json.question;
      state.answer = json.answer;
      state.last = {html: json.html, asked: shown || words};
      save();
      reveal(render(json.html));
      announce(json.summary);
      tell("kbw:answer", json.answer);
    }, function (error) {
      fail(error.body && error.body.error && error.body.error.message);
    }).then(function () { busy = false; });
  }

  askForm.addEventListener("submit", function (event) {
    event.preventDefault();
    var words = question.value.trim();
    if (!words) { question.focus(); return; }
    question.value = "";
    ask(words);
  });
  question.addEventListener("keydown", function (event) {
    if (event.key === "Enter" && !event.shiftKey && !event.isComposing) { event.preventDefault(); askForm.requestSubmit(); }
  });

  log.addEventListener("click", function (event) {
    var choice = event.target.closest(".choice");
    if (choice) {  // a missing fact, chosen: the same question again with the fact
      event.preventDefault();
      var given = {};
      given[choice.getAttribute("data-fact")] = choice.getAttribute("data-value");
      ask(state.question, choice.textContent, given);
      return;
    }
    var act = event.target.closest("button[data-act]");
    if (!act || !state.conversation) return;
    var kind = act.getAttribute("data-act");
    post("/api/v1/events", {conversation: state.conversation, kind: kind}).catch(function () {});
    if (kind === "solved") {
      act.parentNode.textContent = text.thanks;
      announce(text.thanks);
    } else {
      openTicket();
    }
  });

  log.addEventListener("submit", function (event) {  // a missing fact without choices (the version), typed in
    var form = event.target.closest(".missing form");
    if (!form) return;
    event.preventDefault();
    var input = form.querySelector("input[type=text]");
    if (!input) return;
    var given = {};
    given[input.name] = input.value.trim();
    if (given[input.name]) ask(state.question, input.value.trim(), given);
  });

  function field(name) { return ticket.elements[name]; }

  function openTicket() {
    var answer = state.answer || {};
    onceKey = window.crypto && crypto.randomUUID ? crypto.randomUUID() : String(Date.now()) + Math.random().toString(36).slice(2);
    field("plan").value = answer.plan || field("plan").value;
    if (answer.severity) field("severity").value = answer.severity;
    field("software").value = answer.software || "";
    field("subject").value = (state.question || "").slice(0, field("subject").maxLength);
    field("description").value = state.question && state.question.length > field("subject").maxLength ? state.question : "";
    clearErrors();
    ticket.hidden = false;
    receipt.hidden = true;
    reveal(ticket);
    var empty = Array.prototype.filter.call(ticket.querySelectorAll("[required]"), function (el) { return !el.value; })[0];
    (empty || field("subject")).focus();
  }

  function clearErrors() {
    Array.prototype.forEach.call(ticket.querySelectorAll("[aria-invalid]"), function (el) {
      el.removeAttribute("aria-invalid");
      el.removeAttribute("aria-errormessage");
    });
    Array.prototype.forEach.call(ticket.querySelectorAll(".kbw-field-error"), function (el) { el.remove(); });
  }

  function showErrors(error) {
    clearErrors();
    var first = null;
    (error.errors || []).forEach(function (item) {
      var el = field(item.field);
      if (!el || el.type === "hidden") return;
      var note = document.createElement("p");
      note.className = "kbw-field-error";
      note.id = "kbw-error-" + item.field;
      note.textContent = item.message;
      el.parentNode.appendChild(note);
      el.setAttribute("aria-invalid", "true");
      el.setAttribute("aria-errormessage", note.id);
      first = first || el;
    });
    fail(text.fix + " " + error.message);
    if (first) first.focus();
  }

  ticket.addEventListener("submit", function (event) {
    event.preventDefault();
    if (busy) return;
    busy = true;
    var data = {lang: lang};
    ["plan", "severity", "software", "subject", "description", "contact"].forEach(function (name) {
      var value = field(name).value.trim();
      if (value) data[name] = value;
    });
    if (state.conversation) data.conversation = state.conversation;
    post("/api/v1/tickets", data, {"Idempotency-Key": onceKey}).then(function (json) {
      ticket.hidden = true;
      receipt.querySelector(".ticket-number").textContent = json.number;
      // The token travels in the fragment, which browsers never send to a server (webapp/static/ticket-link.js).
      receipt.querySelector(".ticket-link").href = "/tickets/" + encodeURIComponent(json.number) + "#t=" + json.token;
      receipt.hidden = false;
      receipt.focus();
      announce(receipt.textContent.replace(/\s+/g, " "));
      tell("kbw:ticket", {number: json.number});
    }, function (error) {
      if (error.body && error.body.error) showErrors(error.body.error); else fail();
    }).then(function () { busy = false; });
  });

  document.getElementById("kbw-ticket-cancel").addEventListener("click", function () {
    ticket.hidden = true;
    question.focus();
  });

  document.getElementById("kbw-restart").addEventListener("click", function () {
    state = {conversation: null, question: null, answer: null, last: null};
    if (storage) storage.removeItem(KEY);
    plan = body.getAttribute("data-plan") || null;
    log.textContent = "";
    ticket.hidden = receipt.hidden = problem.hidden = true;
    question.value = "";
    question.focus();
    announce(text.started_over);
  });

  function close() { tell("kbw:close", {}); }
  document.getElementById("kbw-close").addEventListener("click", close);
  document.addEventListener("keydown", function (event) { if (event.key === "Escape") { event.preventDefault(); close(); } });

  window.addEventListener("message", function (event) {
    if (event.source !== window.parent || event.origin !== host) return;
    var data = event.data || {};
    if (data.type !== "kbw:open") return;
    if (data.plan) plan = data.plan;
    question.focus();
    if (data.question) ask(String(data.question).slice(0, question.maxLength));
  });

  if (state.last) {  // the frame was reloaded (the host page navigated): show where the conversation stands
    bubble(state.last.asked);
    render(state.last.html);
  }
  tell("kbw:ready", {});
})();
