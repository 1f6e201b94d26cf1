// Put first in the <head> of each page of a copy of the built book by the
// program `book-in-browser`: it watches the page load in headless Chromium
// and, once the page and its fonts have loaded, writes what it saw into a
// a pre element (id netkit-book-report) at the end of the body, one
// finding a line, `KIND<TAB>DETAIL`:
//
//   error     a console.error call, an uncaught error or a rejected promise
//   failed    an element (image, script, style sheet) or a font that did not load
//   external  a resource loaded from anywhere but the book's own files
//   tofu      a character drawn as the missing-glyph box
//   clipped   a code block or table wider than the page, with no scrolling
//   title     the page's first heading
//   heading   every h1 (the print page's list of what it holds)
//   done      the count of characters looked at (the report is complete)
(function () {
  "use strict";
  var lines = [];
  function add(kind, detail) {
    lines.push(kind + "\t" + String(detail).replace(/[\t\n\r]+/g, " "));
  }
  var consoleError = console.error;
  console.error = function () {
    add("error", "console.error: " + Array.prototype.join.call(arguments, " "));
    return consoleError.apply(console, arguments);
  };
  window.addEventListener(
    "error",
    function (event) {
      var target = event.target;
      if (target && target !== window && target.tagName) {
        add("failed", target.tagName.toLowerCase() + " " + (target.src || target.href || ""));
      } else {
        add("error", "uncaught: " + event.message + " at " + event.filename + ":" + event.lineno);
      }
    },
    true
  );
  window.addEventListener("unhandledrejection", function (event) {
    add("error", "unhandled rejection: " + event.reason);
  });

  // Whether `ch` is drawn as the box of a missing glyph in `font`: its
  // pixels are those of a private-use character that no font has.
  var canvas = document.createElement("canvas");
  canvas.width = 48;
  canvas.height = 48;
  var context = canvas.getContext("2d", { willReadFrequently: true });
  function pixels(ch, font) {
    context.clearRect(0, 0, 48, 48);
    context.font = "32px " + font;
    context.textBaseline = "top";
    context.fillStyle = "#000";
    context.fillText(ch, 4, 4);
    return context.getImageData(0, 0, 48, 48).data.join(",");
  }
  function isTofu(ch, font, box) {
    return pixels(ch, font) === box;
  }

  function clipped(main) {
    var limit = main.getBoundingClientRect().right + 1;
    var found = [];
    document.querySelectorAll("main pre, main pre > code, main table").forEach(function (element) {
      var own = getComputedStyle(element).overflowX;
      var scrolls = own === "auto" || own === "scroll";
      // Content wider than its own box spills out (or is cut) unless the
      // box itself scrolls.
      if (element.scrollWidth > element.clientWidth + 1 && !scrolls) {
        found.push(describe(element));
        return;
      }
      if (element.getBoundingClientRect().right <= limit) return;
      // Wider than the page: fine only inside something that scrolls.
      for (var up = element; up && up !== main; up = up.parentElement) {
        var overflow = getComputedStyle(up).overflowX;
        if ((overflow === "auto" || overflow === "scroll") && up.getBoundingClientRect().right <= limit) {
          return;
        }
      }
      found.push(describe(element));
    });
    return found;
  }

  function describe(element) {
    var text = element.textContent.trim().slice(0, 60);
    return element.tagName.toLowerCase() + " \"" + text + "\"";
  }

  function finish() {
    performance.getEntriesByType("resource").forEach(function (entry) {
      if (!/^(file|data|blob|about):/.test(entry.name)) add("external", entry.name);
    });
    if (!/^(file|data|blob|about):/.test(location.href)) add("external", location.href);
    document.querySelectorAll("img").forEach(function (img) {
      if (!img.complete || img.naturalWidth === 0) add("failed", "img " + img.src);
    });
    document.fonts.forEach(function (face) {
      if (face.status === "error") add("failed", "font " + face.family);
    });
    var main = document.querySelector("main") || document.body;
    var first = main.querySelector("h1");
    if (first) add("title", first.textContent.trim());
    main.querySelectorAll("h1").forEach(function (h) {
      add("heading", h.textContent.trim());
    });
    clipped(main).forEach(function (what) {
      add("clipped", what);
    });
    // Every character that is not ASCII, in the fonts it is shown in.
    var fonts = {};
    var seen = 0;
    var walker = document.createTreeWalker(main, NodeFilter.SHOW_TEXT);
    for (var node = walker.nextNode(); node; node = walker.nextNode()) {
      var parent = node.parentElement;
      if (!parent || parent.closest("script, style")) continue;
      var font = getComputedStyle(parent).fontFamily;
      var chars = (fonts[font] = fonts[font] || {});
      Array.from(node.textContent).forEach(function (ch) {
        if (ch.codePointAt(0) > 0x7e) chars[ch] = true;
      });
    }
    Object.keys(fonts).forEach(function (font) {
      var box = pixels("\uE83A", font);
      Object.keys(fonts[font]).forEach(function (ch) {
        seen += 1;
        if (/\s/.test(ch) || ch === "\u200B" || ch === "\uFE0F") return;
        if (isTofu(ch, font, box)) {
          add("tofu", ch + " U+" + ch.codePointAt(0).toString(16).toUpperCase().padStart(4, "0") + " in " + font);
        }
      });
    });
    add("done", seen);
    var report = document.createElement("pre");
    report.id = "netkit-book-report";
    report.textContent = lines.join("\n");
    document.body.appendChild(report);
  }

  window.addEventListener("load", function () {
    document.fonts.ready.then(function () {
      setTimeout(finish, 0);
    });
  });
})();
