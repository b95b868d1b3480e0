// open-ita survey forms: keeps the answers chosen so far in this browser (localStorage, one draft per agency,
// round and instrument) so that a respondent can leave and come back, shows how many questions are answered,
// and forgets the draft once the survey is stored. The form works the same without this script.
(function () {
  'use strict';

  function storage() {
    try {
      return window.localStorage;
    } catch (error) {
      return null; // Storage blocked (private mode, policy): the form still works, without a draft.
    }
  }

  // The thank-you page (and the "sent already" page) name the draft to forget.
  var done = document.querySelector('[data-survey-done]');
  if (done) {
    var store = storage();
    if (store) {
      try { store.removeItem(done.getAttribute('data-survey-done')); } catch (error) { /* nothing to forget */ }
    }
    return;
  }

  var form = document.querySelector('form[data-survey-draft]');
  if (!form) {
    return;
  }
  var key = form.getAttribute('data-survey-draft');
  var radios = Array.prototype.slice.call(form.querySelectorAll('input[type=radio]'));

  function groups() {
    var names = [];
    radios.forEach(function (input) {
      if (names.indexOf(input.name) < 0) {
        names.push(input.name);
      }
    });
    return names;
  }

  function chosen() {
    var answers = {};
    radios.forEach(function (input) {
      if (input.checked) {
        answers[input.name] = input.value;
      }
    });
    return answers;
  }

  function save() {
    var store = storage();
    if (!store) {
      return;
    }
    try {
      store.setItem(key, JSON.stringify(chosen()));
    } catch (error) {
      // A full storage loses the draft, never the form.
    }
  }

  // Restore the draft into every question the page does not answer already (after a refused submission the
  // page shows what was sent, which wins).
  function restore() {
    var store = storage();
    var draft = null;
    try {
      draft = store ? JSON.parse(store.getItem(key) || 'null') : null;
    } catch (error) {
      draft = null;
    }
    if (!draft || typeof draft !== 'object') {
      return 0;
    }
    var answered = chosen();
    var restored = 0;
    radios.forEach(function (input) {
      if (!Object.prototype.hasOwnProperty.call(answered, input.name) && draft[input.name] === input.value) {
        input.checked = true;
        restored += 1;
      }
    });
    return restored;
  }

  var progress = document.getElementById('survey-progress');
  var progressText = document.getElementById('survey-progress-text');
  var progressBar = progress ? progress.querySelector('progress') : null;
  var total = groups().length;

  function showProgress() {
    if (!progress) {
      return;
    }
    var answered = Object.keys(chosen()).length;
    progressText.textContent = progress.getAttribute('data-text').replace('{answered}', String(answered));
    progressBar.value = answered;
    progressBar.max = total;
  }

  // A question answered after a refused submission no longer shows its problem as current.
  function settle(input) {
    var question = input.closest('fieldset.survey-question');
    if (!question || !question.classList.contains('invalid')) {
      return;
    }
    question.classList.remove('invalid');
    question.querySelectorAll('input[aria-invalid]').forEach(function (radio) {
      radio.removeAttribute('aria-invalid');
    });
  }

  if (restore() > 0) {
    var notice = document.getElementById('survey-restored');
    if (notice) {
      notice.hidden = false;
    }
  }
  if (progress) {
    progress.hidden = false;
  }
  showProgress();

  form.addEventListener('change', function (event) {
    if (event.target && event.target.type === 'radio') {
      settle(event.target);
      save();
      showProgress();
    }
  });

  // One press sends once: a second press while the first is on its way would only be refused as a replay.
  var sending = false;
  form.addEventListener('submit', function (event) {
    if (sending) {
      event.preventDefault();
      return;
    }
    sending = true;
    save();
  });
  // Coming back to the page (the back button) allows sending again.
  window.addEventListener('pageshow', function () {
    sending = false;
  });

  // After a refused submission, the summary of problems takes the focus, so that it is read out first.
  var problems = document.getElementById('problems');
  if (problems) {
    problems.focus();
  }
}());
