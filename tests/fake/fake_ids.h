/* SPDX-License-Identifier: GPL-3.0-or-later */
#ifndef AMPLECALL_FAKE_IDS_H
#define AMPLECALL_FAKE_IDS_H
/* Fixed ids of the fake API's seeded data, shared by the server and the tests.
 * Seeded phone-call tasks of the main user are numbered n = 1..--tasks in API order; task n has
 * id FAKE_TASK_ID_FMT formatted with n (see fake_task_id() in fakectl.h). */

#define FAKE_API_KEY "test-key"

#define FAKE_USER_ID "0199f0a2-0b11-7c22-8d33-4e5f6a7b8c9d"
#define FAKE_USER_EMAIL "dana@acme.example"
#define FAKE_USER_NAME "Dana Smith"
#define FAKE_USER2_ID "0199f0a2-0b12-7c22-8d33-4e5f6a7b8c9e"
#define FAKE_USER2_EMAIL "lukasz@acme.example"
#define FAKE_USER3_ID "0199f0a2-0b13-7c22-8d33-4e5f6a7b8c9f"
#define FAKE_USER3_EMAIL "former.rep@acme.example"

/* "Interested" (action complete) and "No answer" (action next_stage). */
#define FAKE_DISPO_COMPLETE_ID "0199f0a2-2d4f-7b21-8c90-3a5b6c7d8e9f"
#define FAKE_DISPO_NEXT_ID "0199f0a2-2d50-7c11-9a22-4b5c6d7e8f90"
#define FAKE_DISPO_NOT_INTERESTED_ID "0199f0a2-2d51-7c11-9a22-4b5c6d7e8f91"
#define FAKE_DISPO_VOICEMAIL_ID "0199f0a2-2d52-7c11-9a22-4b5c6d7e8f92"
#define FAKE_DISPO_CALLBACK_ID "0199f0a2-2d53-7c11-9a22-4b5c6d7e8f93"

/* printf format of seeded phone-call task n (1-based, int) of the main user. */
#define FAKE_TASK_ID_FMT "0199f0a2-1c3e-7a10-9b7e-%012d"
#define FAKE_TASK_ID_FIRST "0199f0a2-1c3e-7a10-9b7e-000000000001"
/* Contact of a seeded phone-call task n: FAKE_CONTACT_ID_FMT formatted with n. */
#define FAKE_CONTACT_ID_FMT "0199f0a2-3e60-7d01-b123-%012d"

/* Extra tasks mixed into the list so that filters matter (not counted by --tasks):
 * an email task, a completed and a skipped phone call, an automatic phone call with no contact
 * (all of the main user) and one scheduled phone call of user 2. */
#define FAKE_TASK_EMAIL_ID "0199f0a2-1c3f-7a10-9b7e-000000000001"
#define FAKE_TASK_COMPLETED_ID "0199f0a2-1c3f-7a10-9b7e-000000000002"
#define FAKE_TASK_SKIPPED_ID "0199f0a2-1c3f-7a10-9b7e-000000000003"
#define FAKE_TASK_AUTOMATIC_ID "0199f0a2-1c3f-7a10-9b7e-000000000004"
#define FAKE_TASK_USER2_ID "0199f0a2-1c3f-7a10-9b7e-000000000005"
#define FAKE_EXTRA_TASKS 5

#endif
