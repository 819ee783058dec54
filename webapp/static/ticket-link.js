// A return link /tickets/<number>#t=<token> carries the access token in the fragment, which browsers never send to
// the server: this fills the lookup form with it and submits it (a POST), then forgets it. Without JavaScript the
// customer types the token into the same form.
(function () {
  "use strict";
  var match = /^#t=([A-Za-z0-9_\-]{8,200})$/.exec(window.location.hash);
  var form = document.querySelector("form[data-ticket-lookup]");
  if (!match || !form) return;
  history.replaceState(null, "", window.location.pathname);
  form.querySelector("input[name=token]").value = match[1];
  if (form.querySelector("input[name=number]").value) form.submit();
})();
