// The phone simulator: send through /simulator/messages, poll the conversation, switch person and language.
(function () {
  "use strict";
  const strings = JSON.parse(document.getElementById("strings").textContent);
  const person = document.getElementById("person");
  const language = document.getElementById("language");
  const channel = document.getElementById("channel");
  const log = document.getElementById("log");
  const form = document.getElementById("compose");
  const input = document.getElementById("body");
  let lastId = 0;
  let timer = null;

  const params = new URLSearchParams(location.search);
  if (params.get("person")) person.value = params.get("person");

  function label(message) {
    if (message.direction === "in") return strings.you;
    if (message.kind === "reminder" || message.kind === "notice" || message.kind === "broadcast") return strings.reminder;
    if (message.kind === "staff_reply") return strings.staff;
    return strings.assistant;
  }

  function show(message) {
    const bubble = document.createElement("div");
    bubble.className = "bubble " + (message.direction === "in" ? "in" : "out");
    bubble.textContent = message.body;
    const meta = document.createElement("span");
    meta.className = "meta";
    const time = new Date(message.createdAt).toLocaleTimeString(document.documentElement.lang, {hour: "2-digit", minute: "2-digit"});
    meta.textContent = label(message) + " · " + time + " · " + message.channel + " · " + message.status;
    bubble.appendChild(meta);
    log.appendChild(bubble);
    log.scrollTop = log.scrollHeight;
  }

  async function poll() {
    if (!person.value) return;
    try {
      const response = await fetch("/simulator/" + person.value + "/messages?after=" + lastId);
      if (!response.ok) return;
      const messages = await response.json();
      if (lastId === 0) log.textContent = "";
      if (lastId === 0 && messages.length === 0) {
        const empty = document.createElement("p");
        empty.className = "empty";
        empty.textContent = strings.empty;
        log.appendChild(empty);
      }
      for (const message of messages) {
        const placeholder = log.querySelector(".empty");
        if (placeholder) placeholder.remove();
        show(message);
        lastId = Math.max(lastId, message.id);
      }
    } catch (error) {
      // the API restarting; the next poll tries again
    }
  }

  function restart() {
    lastId = 0;
    log.textContent = "";
    if (timer) clearInterval(timer);
    poll();
    timer = setInterval(poll, 1000);
  }

  person.addEventListener("change", function () {
    const option = person.selectedOptions[0];
    if (option && option.dataset.language && option.dataset.language !== language.value) {
      location.search = "?lang=" + option.dataset.language + "&person=" + person.value;
      return;
    }
    restart();
  });

  language.addEventListener("change", async function () {
    await fetch("/simulator/" + person.value + "/language", {
      method: "PUT", headers: {"Content-Type": "application/json"},
      body: JSON.stringify({language: language.value}),
    });
    location.search = "?lang=" + language.value + "&person=" + person.value;
  });

  form.addEventListener("submit", async function (event) {
    event.preventDefault();
    const text = input.value.trim();
    if (!text || !person.value) return;
    input.value = "";
    const response = await fetch("/simulator/messages", {
      method: "POST", headers: {"Content-Type": "application/json"},
      body: JSON.stringify({inburgeraarId: Number(person.value), body: text, channel: channel.value}),
    });
    if (!response.ok) { input.value = text; alert(strings.failed); return; }
    poll();
  });

  restart();
})();
