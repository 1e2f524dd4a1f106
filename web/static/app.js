// A little help where it is useful; every page works without it.
(function () {
  "use strict";
  var csrf = (document.querySelector('meta[name="csrf-token"]') || {}).content || "";

  // Deadline countdowns tick without a reload.
  function span(seconds) {
    var minutes = Math.floor(seconds / 60), days = Math.floor(minutes / 1440), hours;
    minutes -= days * 1440; hours = Math.floor(minutes / 60); minutes -= hours * 60;
    if (days) return days + " 天 " + hours + " 小时";
    if (hours) return hours + " 小时 " + minutes + " 分";
    return minutes + " 分钟";
  }
  function tick() {
    document.querySelectorAll(".countdown[data-due]").forEach(function (node) {
      var left = (Date.parse(node.dataset.due) - Date.now()) / 1000;
      node.textContent = left > 0 ? "剩余 " + span(left) : "已超时 " + span(-left);
      node.classList.toggle("overdue", left <= 0);
    });
  }
  if (document.querySelector(".countdown[data-due]")) setInterval(tick, 30000);

  // Intake form: live classification suggestion and the proposed reply time.
  var form = document.getElementById("intake-form");
  if (!form) return;
  var body = document.getElementById("suggestion-body");
  var promised = document.getElementById("promised_reply_at");
  var proposal = document.getElementById("proposal");
  var spot = document.getElementById("resolved_on_the_spot");
  var timer = null, sequence = 0;
  if (promised) promised.addEventListener("input", function () { promised.dataset.touched = "1"; });

  function field(name) {
    var node = form.querySelector('[name="' + name + '"]:checked') || form.querySelector('[name="' + name + '"]:not([type=radio])');
    return node ? node.value : "";
  }
  function show(data) {
    var s = data.suggestion;
    body.textContent = "";
    if (!s) {
      var empty = document.createElement("p");
      empty.className = "muted"; empty.textContent = "填写投诉内容后显示建议。";
      body.appendChild(empty);
    } else {
      var line = document.createElement("p");
      [["类别：", s.category_label, "s-category"], ["受理部门：", s.department_label, "s-department"],
       ["重大投诉：", s.major ? "疑似重大，需认定" : "否", "s-major"]].forEach(function (part) {
        var label = document.createElement("strong"); label.textContent = part[0];
        var value = document.createElement("span"); value.id = part[2]; value.textContent = part[1] + " ";
        line.appendChild(label); line.appendChild(value);
      });
      function items(list, reasons) {
        reasons.forEach(function (reason) {
          var item = document.createElement("li"); item.textContent = reason; list.appendChild(item);
        });
        return list;
      }
      var cues = items(document.createElement("ul"), s.cues); cues.id = "s-cues";
      body.appendChild(line); body.appendChild(cues);
      if (s.more.length) {
        var why = document.createElement("details"); why.id = "s-why";
        var summary = document.createElement("summary");
        summary.textContent = "为什么这样建议（其余 " + s.more.length + " 条依据）";
        why.appendChild(summary); why.appendChild(items(document.createElement("ul"), s.more));
        body.appendChild(why);
      }
    }
    if (data.proposal && proposal) {
      proposal.textContent = "系统建议：" + data.proposal.explanation;
      if (promised && !promised.dataset.touched) promised.value = data.proposal.value;
    }
  }
  function ask() {
    var mine = ++sequence;
    fetch("/complaints/suggestion", {
      method: "POST", credentials: "same-origin",
      headers: {"Content-Type": "application/json", "X-CSRF-Token": csrf},
      body: JSON.stringify({content: field("content"), channel: field("channel"),
        complainant: field("complainant"), amount: field("amount"), received_at: field("received_at")})
    }).then(function (response) { return response.ok ? response.json() : null; })
      .then(function (data) { if (data && mine === sequence) show(data); })
      .catch(function () { /* the suggestion is a help, not a requirement */ });
  }
  function later() { clearTimeout(timer); timer = setTimeout(ask, 350); }
  ["content", "amount"].forEach(function (name) {
    var node = form.querySelector('[name="' + name + '"]'); if (node) node.addEventListener("input", later);
  });
  ["channel", "complainant", "received_at"].forEach(function (name) {
    form.querySelectorAll('[name="' + name + '"]').forEach(function (node) { node.addEventListener("change", later); });
  });

  // Resolved on the spot: show the resolution, hide the promised reply time (and vice versa).
  function toggle() {
    var onSpot = spot && spot.checked;
    document.getElementById("on-the-spot").hidden = !onSpot;
    document.getElementById("promise").hidden = onSpot;
  }
  if (spot) { spot.addEventListener("change", toggle); toggle(); }

  // The channel's details: only the chosen channel's fields are shown (and read).
  var channel = form.querySelector('[name="channel"]');
  function showChannel() {
    form.querySelectorAll(".channel-fields").forEach(function (set) {
      set.hidden = !channel || set.dataset.channel !== channel.value;
    });
  }
  if (channel) { channel.addEventListener("change", showChannel); showChannel(); }
})();
