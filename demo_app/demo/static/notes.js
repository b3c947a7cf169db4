// Posts a note through the JSON API and puts it at the top of the list.
document.getElementById("new-note").addEventListener("submit", async (event) => {
  event.preventDefault();
  const form = event.target;
  const response = await fetch("/api/notes", {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify({ author: form.author.value, body: form.body.value }),
  });
  if (!response.ok) return;
  const { note } = await response.json();
  const item = document.createElement("li");
  item.innerHTML = "<strong></strong> <time></time><p></p>";
  item.querySelector("strong").textContent = note.author;
  item.querySelector("time").textContent = "just now";
  item.querySelector("p").textContent = note.body;
  document.getElementById("notes").prepend(item);
  form.body.value = "";
});
