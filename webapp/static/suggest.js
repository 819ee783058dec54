/* The ticket form suggests articles as the subject is typed, as a help desk's request form does: after a pause,
   once the subject has two Chinese characters or three Latin letters. Links open in a new tab, so nothing typed
   is lost. Without this script the form works as before. */
(function () {
  "use strict";
  var PAUSE_MS = 400;
  var subject = document.getElementById("f-subject");
  var box = document.getElementById("subject-suggestions");
  if (!subject || !box || !window.fetch) { return; }
  var timer = null;
  var asked = "";
  var pending = null;

  function longEnough(text) {
    var han = (text.match(/[\u3400-\u9fff]/g) || []).length;
    var latin = (text.match(/[A-Za-z]/g) || []).length;
    return han >= 2 || latin >= 3;
  }

  function show(results) {
    box.textContent = "";
    if (!results.length) { return; }
    var heading = document.createElement("p");
    heading.className = "suggestions-title";
    heading.textContent = box.dataset.heading;
    var list = document.createElement("ul");
    results.forEach(function (hit) {
      var item = document.createElement("li");
      var link = document.createElement("a");
      link.href = hit.url;
      link.target = "_blank";
      link.rel = "noopener";
      link.hreflang = hit.lang;
      link.textContent = hit.title;
      var about = document.createElement("span");
      about.className = "meta";
      about.textContent = " " + hit.about;
      item.appendChild(link);
      item.appendChild(about);
      list.appendChild(item);
    });
    box.appendChild(heading);
    box.appendChild(list);
  }

  function ask() {
    var text = subject.value.trim();
    if (text === asked) { return; }
    asked = text;
    if (pending) { pending.abort(); }
    if (!longEnough(text)) { show([]); return; }
    pending = new AbortController();
    fetch(box.dataset.url + "?q=" + encodeURIComponent(text), {signal: pending.signal, headers: {Accept: "application/json"}})
      .then(function (r) { return r.ok ? r.json() : {results: []}; })
      .then(function (data) { if (subject.value.trim() === text) { show(data.results || []); } })
      .catch(function () { /* aborted by newer typing, or offline: no suggestions */ });
  }

  subject.addEventListener("input", function () {
    clearTimeout(timer);
    timer = setTimeout(ask, PAUSE_MS);
  });
})();
