// Ask before forms that throw work away or change what the screen shows (data-confirm).
(function () {
  "use strict";
  document.querySelectorAll("form[data-confirm]").forEach(function (form) {
    form.addEventListener("submit", function (event) {
      if (!window.confirm(form.getAttribute("data-confirm"))) { event.preventDefault(); }
    });
  });
})();

// Live preview while editing a slide: after a pause in typing, send the form (with its CSRF
// token) to the preview route, then show the problems and the freshly drawn slide. Nothing is
// saved until "Save to the draft". Without this script the page still works (Save, then look).
(function () {
  "use strict";
  var form = document.getElementById("slide-form");
  if (!form) { return; }
  var url = form.getAttribute("data-preview");
  var problems = document.getElementById("problems");
  var preview = document.getElementById("preview");
  var state = document.getElementById("preview-state");
  var timer = null;
  var asked = 0;

  function list(lines) {
    problems.textContent = "";
    if (!lines.length) {
      var ok = document.createElement("p");
      ok.className = "ok-text";
      ok.textContent = "No problems: this slide fits the screen in every language.";
      problems.appendChild(ok);
      return;
    }
    var ul = document.createElement("ul");
    ul.className = "problems";
    lines.forEach(function (line) {
      var li = document.createElement("li");
      var code = document.createElement("code");
      code.textContent = line;
      li.appendChild(code);
      ul.appendChild(li);
    });
    problems.appendChild(ul);
  }

  function refresh() {
    var mine = ++asked;
    state.textContent = "(drawing…)";
    fetch(url, { method: "POST", body: new FormData(form), credentials: "same-origin" })
      .then(function (response) { return response.json(); })
      .then(function (answer) {
        if (mine !== asked) { return; }
        if (answer.error) {
          list([answer.error]);
        } else {
          list(answer.problems || []);
        }
        var images = answer.images || {};
        preview.querySelectorAll("img[data-lang]").forEach(function (img) {
          var src = images[img.getAttribute("data-lang")];
          if (src) { img.src = src; }
        });
        state.textContent = "(as typed, not saved yet)";
      })
      .catch(function () { state.textContent = "(preview unavailable)"; });
  }

  form.addEventListener("input", function () {
    clearTimeout(timer);
    timer = setTimeout(refresh, 600);
  });
})();
