// Upload page: files and folders (chosen or dropped) are sent one at a time to
// /api/ingest, so each shows its own progress and outcome. XMLHttpRequest is used
// instead of fetch because only it reports upload progress.
(function () {
  "use strict";
  const csrf = document.querySelector('meta[name="csrf-token"]').content;
  const rows = document.getElementById("upload-rows");
  const JUNK = new Set([".ds_store", "thumbs.db", "desktop.ini"]);
  const OUTCOME = { queued: "已排队", duplicate: "重复", failed: "失败" };
  const queue = [];
  let busy = false;
  const counts = { waiting: 0, queued: 0, duplicate: 0, failed: 0 };

  function bump(key, delta) {
    counts[key] += delta;
    document.getElementById("count-" + key).textContent = counts[key];
  }

  function human(n) {
    if (n < 1024) return n + " 字节";
    if (n < 1048576) return (n / 1024).toFixed(1) + " KB";
    return (n / 1048576).toFixed(1) + " MB";
  }

  function cell(tr, text, cls) {
    const td = document.createElement("td");
    if (cls) td.className = cls;
    if (text !== undefined) td.textContent = text;
    tr.appendChild(td);
    return td;
  }

  function add(file, path) {
    const base = path.split("/").pop().toLowerCase();
    if (!base || base.startsWith(".") || JUNK.has(base)) return;
    const empty = rows.querySelector("tr.empty");
    if (empty) empty.remove();
    const tr = document.createElement("tr");
    tr.className = "upload-row";
    tr.dataset.name = path;
    cell(tr, path);
    cell(tr, human(file.size), "num");
    const bar = document.createElement("div");
    bar.className = "progress";
    bar.appendChild(document.createElement("span"));
    cell(tr).appendChild(bar);
    const result = cell(tr, "等待上传", "result muted");
    rows.appendChild(tr);
    queue.push({ file, path, tr, bar: bar.firstChild, result });
    bump("waiting", 1);
    next();
  }

  function show(item, received) {
    item.result.textContent = "";
    item.result.className = "result";
    received.forEach(function (r, i) {
      const line = document.createElement("div");
      const badge = document.createElement("span");
      badge.className = "badge st-" + r.outcome;
      badge.textContent = OUTCOME[r.outcome] || r.outcome;
      line.appendChild(badge);
      if (received.length > 1) line.appendChild(document.createTextNode(" " + r.name));
      if (r.document_id) {
        line.appendChild(document.createTextNode(" "));
        const a = document.createElement("a");
        a.href = "/docs/" + r.document_id;
        a.textContent = "文件 " + r.document_id;
        line.appendChild(a);
      }
      if (r.message) {
        const msg = document.createElement("div");
        msg.className = "small " + (r.outcome === "failed" ? "bad" : "muted");
        msg.textContent = r.message;
        line.appendChild(msg);
      }
      item.result.appendChild(line);
      bump(r.outcome, 1);
    });
    item.tr.dataset.outcome = received.map(function (r) { return r.outcome; }).join(",");
  }

  function fail(item, message) {
    item.result.textContent = "";
    item.result.className = "result";
    const badge = document.createElement("span");
    badge.className = "badge st-failed";
    badge.textContent = "失败";
    item.result.appendChild(badge);
    item.result.appendChild(document.createTextNode(" " + message));
    item.tr.dataset.outcome = "failed";
    bump("failed", 1);
  }

  function next() {
    if (busy || !queue.length) return;
    busy = true;
    const item = queue.shift();
    bump("waiting", -1);
    item.result.textContent = "上传中…";
    const form = new FormData();
    form.append("files", item.file, item.path);
    const village = document.getElementById("village").value;
    const household = document.getElementById("household").value.trim();
    if (village) form.append("village", village);
    if (household) form.append("household", household);
    const xhr = new XMLHttpRequest();
    xhr.open("POST", "/api/ingest");
    xhr.setRequestHeader("X-CSRF-Token", csrf);
    xhr.upload.onprogress = function (e) {
      if (e.lengthComputable) item.bar.style.width = Math.round((100 * e.loaded) / e.total) + "%";
    };
    xhr.onload = function () {
      item.bar.style.width = "100%";
      let body = null;
      try { body = JSON.parse(xhr.responseText); } catch (err) { body = null; }
      if (xhr.status >= 200 && xhr.status < 300 && body) {
        show(item, body.received);
      } else if (xhr.status === 401) {
        fail(item, "登录已过期, 请重新登录后再上传");
      } else {
        let detail = body && body.detail;
        if (Array.isArray(detail)) detail = detail.map(function (d) { return d.msg; }).join("; ");
        fail(item, detail || "服务器错误 (" + xhr.status + ")");
      }
      busy = false;
      next();
    };
    xhr.onerror = function () {
      fail(item, "网络错误, 未能上传");
      busy = false;
      next();
    };
    xhr.send(form);
  }

  function addList(files) {
    Array.from(files).forEach(function (f) { add(f, f.webkitRelativePath || f.name); });
  }

  // Folders dropped: walk their entries (readEntries returns at most 100 at a time).
  function walk(entry) {
    if (entry.isFile) {
      entry.file(function (f) { add(f, entry.fullPath.replace(/^\//, "")); });
    } else if (entry.isDirectory) {
      const reader = entry.createReader();
      const more = function () {
        reader.readEntries(function (entries) {
          if (!entries.length) return;
          entries.sort(function (a, b) { return a.name.localeCompare(b.name); }).forEach(walk);
          more();
        });
      };
      more();
    }
  }

  document.getElementById("files").addEventListener("change", function (e) { addList(e.target.files); e.target.value = ""; });
  document.getElementById("folder").addEventListener("change", function (e) { addList(e.target.files); e.target.value = ""; });
  const zone = document.getElementById("dropzone");
  ["dragenter", "dragover"].forEach(function (t) {
    zone.addEventListener(t, function (e) { e.preventDefault(); zone.classList.add("over"); });
  });
  ["dragleave", "drop"].forEach(function (t) {
    zone.addEventListener(t, function () { zone.classList.remove("over"); });
  });
  zone.addEventListener("drop", function (e) {
    e.preventDefault();
    const items = e.dataTransfer.items;
    if (items && items.length && items[0].webkitGetAsEntry) {
      Array.from(items).map(function (i) { return i.webkitGetAsEntry(); }).forEach(function (entry) { if (entry) walk(entry); });
    } else {
      addList(e.dataTransfer.files);
    }
  });
})();
