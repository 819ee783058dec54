{#- Rendered with this deployment's configuration; served as /widget.js. #}
// The knowledge base's widget loader: a launcher button and an iframe with the assistant panel (/widget).
// Everything it draws is styled through the CSSOM, so a host page with a strict CSP needs no inline style or script.
(function () {
  "use strict";
  var script = document.currentScript;
  if (window.KBWidget || !script) return;
  var config = {{ config }};
  var base = new URL(script.src, location.href).origin;
  if (config.origins.indexOf(location.origin) < 0) {
    if (window.console) console.warn("KBWidget: " + location.origin + " is not in KB_WIDGET_ORIGINS; not started");
    return;
  }
  var lang = script.getAttribute("data-lang");
  if (lang !== "zh" && lang !== "en") lang = /^zh/i.test(navigator.language || "") ? "zh" : "en";
  var plan = script.getAttribute("data-plan") || "";
  var labels = config.labels[lang];
  var handlers = {answer: [], ticket: [], open: [], close: []};
  var reduced = window.matchMedia("(prefers-reduced-motion: reduce)");
  var phone = window.matchMedia("(max-width: 600px)");
  var frame = null, ready = false, queue = [], opened = false, back = null;

  function css(el, rules) { for (var k in rules) el.style.setProperty(k, rules[k]); }
  function emit(name, detail) { handlers[name].forEach(function (fn) { try { fn(detail); } catch (e) { setTimeout(function () { throw e; }); } }); }
  function send(message) { if (ready) frame.contentWindow.postMessage(message, base); else queue.push(message); }

  var launcher = document.createElement("button");
  launcher.type = "button";
  launcher.textContent = labels.open;
  launcher.setAttribute("aria-expanded", "false");
  launcher.setAttribute("aria-haspopup", "dialog");
  launcher.className = "kbwidget-launcher";
  css(launcher, {position: "fixed", right: "20px", bottom: "20px", "z-index": "2147483000", padding: "12px 18px",
    border: "0", "border-radius": "24px", background: "#0a5bd3", color: "#fff", font: "600 15px/1.2 system-ui, sans-serif",
    "box-shadow": "0 4px 14px rgba(0,0,0,.25)", cursor: "pointer"});
  launcher.addEventListener("click", function () { opened ? close() : open(); });

  function place() {
    if (!frame) return;
    var full = phone.matches;
    css(frame, full ? {inset: "0", width: "100%", height: "100%", "border-radius": "0"}
      : {inset: "auto 20px 76px auto", width: "400px", height: "min(640px, calc(100vh - 96px))", "border-radius": "12px"});
    launcher.style.setProperty("display", opened && full ? "none" : "block");
  }

  function build() {
    frame = document.createElement("iframe");
    frame.id = "kbwidget-frame";
    frame.title = labels.title;
    frame.src = base + config.panel + "?origin=" + encodeURIComponent(location.origin) + "&lang=" + lang +
      (plan ? "&plan=" + encodeURIComponent(plan) : "");
    css(frame, {position: "fixed", border: "0", background: "#fff", "z-index": "2147483001", display: "none",
      "box-shadow": "0 8px 30px rgba(0,0,0,.3)", "max-width": "100%"});
    launcher.setAttribute("aria-controls", frame.id);
    document.body.appendChild(frame);
    place();
  }

  function open(options) {
    options = options || {};
    if (!frame) build();
    if (!opened) back = document.activeElement;
    opened = true;
    launcher.setAttribute("aria-expanded", "true");
    css(frame, {display: "block", opacity: reduced.matches ? "1" : "0", transition: reduced.matches ? "none" : "opacity .15s"});
    place();
    if (!reduced.matches) requestAnimationFrame(function () { frame.style.setProperty("opacity", "1"); });
    frame.focus();
    send({type: "kbw:open", question: options.question || null, plan: options.plan || null, lang: options.lang || null});
    emit("open", {});
  }

  function close() {
    if (!opened) return;
    opened = false;
    frame.style.setProperty("display", "none");
    launcher.setAttribute("aria-expanded", "false");
    place();
    (back && document.contains(back) && back !== document.body ? back : launcher).focus();
    emit("close", {});
  }

  window.addEventListener("message", function (event) {
    if (!frame || event.source !== frame.contentWindow || event.origin !== base) return;
    var data = event.data || {};
    if (data.type === "kbw:ready") {
      ready = true;
      queue.splice(0).forEach(send);
    } else if (data.type === "kbw:close") close();
    else if (data.type === "kbw:answer") emit("answer", data.detail);
    else if (data.type === "kbw:ticket") emit("ticket", data.detail);
  });
  document.addEventListener("keydown", function (event) { if (event.key === "Escape" && opened) close(); });
  phone.addEventListener("change", place);

  window.KBWidget = {
    open: open,
    close: close,
    on: function (name, fn) { if (handlers[name]) handlers[name].push(fn); },
    off: function (name, fn) { if (handlers[name]) handlers[name] = handlers[name].filter(function (f) { return f !== fn; }); }
  };
  function start() { document.body.appendChild(launcher); document.dispatchEvent(new CustomEvent("kbwidget:ready")); }
  if (document.body) start(); else document.addEventListener("DOMContentLoaded", start);
})();
