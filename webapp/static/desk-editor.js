// The editor's live preview: a moment after typing stops, the text goes to the staff API, which renders it with
// the site's sanitising renderer and checks it; the preview and the problems are replaced. Without JavaScript the
// Preview button does the same with a round trip.
(function () {
  "use strict";
  var form = document.querySelector("form.editor");
  if (!form) return;
  var text = form.querySelector("textarea[name=text]");
  var preview = document.getElementById("preview");
  var problems = document.getElementById("problems");
  var token = form.querySelector("input[name=csrf_token]").value;
  var timer = null;
  var sent = 0;

  function show(data) {
    preview.innerHTML = data.html; // sanitised by the server (nh3), as every article page is
    var list = document.createElement("ul");
    data.problems.forEach(function (p) {
      var item = document.createElement("li");
      item.className = "severity-" + p.severity;
      item.textContent = (p.line ? p.line + ": " : "") + p.severity + ": " + p.message;
      list.appendChild(item);
    });
    var none = document.createElement("p");
    none.textContent = problems.dataset.none;
    problems.replaceChildren(data.problems.length ? list : none);
    problems.dataset.count = String(data.problems.length);
  }

  function fields() {  // a new article's preview also names its software, key and language
    var body = {text: text.value};
    ["software", "key", "lang"].forEach(function (name) {
      if (form.elements[name]) body[name] = form.elements[name].value;
    });
    return body;
  }

  text.addEventListener("input", function () {
    clearTimeout(timer);
    timer = setTimeout(function () {
      var mine = ++sent;
      fetch(form.dataset.preview, {method: "POST", credentials: "same-origin",
        headers: {"Content-Type": "application/json", "X-CSRFToken": token},
        body: JSON.stringify(fields())})
        .then(function (r) { return r.ok ? r.json() : null; })
        .then(function (data) { if (data && mine === sent) show(data); })
        .catch(function () {});
    }, 400);
  });
}());
