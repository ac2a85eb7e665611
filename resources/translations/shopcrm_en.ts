<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<TS version="2.1" language="en" sourcelanguage="en">
<context>
    <name>AuditDialog</name>
    <message>
        <source>Audit log</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>AuditModel</name>
    <message>
        <source>Details</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>What</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>When</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Who</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>BackupKeeper</name>
    <message>
        <source>Backing up before closing…</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Backing up…</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Backup failed: {reason}</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Last backup: {when}</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>No backup yet</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The backup at closing failed: {reason}</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>BackupsModel</name>
    <message>
        <source>Customers</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Date</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>File</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Size</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>CarePane</name>
    <message>
        <source>&amp;Copy</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&amp;Done…</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&amp;Email</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&amp;Open</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&amp;Zalo</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Ca&amp;ll</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Call the customer&apos;s phone</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Care schedule</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Care schedule: nothing overdue or due today.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Care schedule: {overdue} overdue, {today} due today</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Copy the message to the clipboard</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Give the task to someone else</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Mark the task done and note the outcome</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Next 7 days ({n})</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Open a Zalo chat with the customer</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Outcome</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Overdue ({n})</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Put the task off by a week</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Put the task off to a date you choose</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Put the task off to tomorrow</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Put the task off to tomorrow (Ctrl+T); the arrow: next week or a date</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Re&amp;assign…</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Reassign</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>S&amp;kip…</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Select a customer to see their care tasks.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Select a task to see its message.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Show the task&apos;s customer</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Skip the task (not needed, unreachable) and note why</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Sn&amp;ooze</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Snooze to &amp;next week</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Snooze to &amp;tomorrow</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Snooze to a d&amp;ate…</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Tasks for {name}</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Today ({n})</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>What happened? ({task}, {name})</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Who does this task? ({task}, {name}; empty: nobody)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Write an email with the message</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>for {who}</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>CareRulesDialog</name>
    <message>
        <source>&amp;Add rule</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>(no message)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>A rule&apos;s name is at most 120 characters.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Care rules</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Click a placeholder to insert it</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Create these tasks</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Days</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Each rule creates a care task for every customer it applies to. Changes apply to tasks created from now on.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Every rule needs a name.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Message</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Name</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>New rule</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Placeholders</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Preview</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Task</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The message for a sample customer</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Use the default message</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>When</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>ColumnsPage</name>
    <message>
        <source>(ignore this column)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Care tasks</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Check which field each column of the file goes to; change it or ignore the column. Cells in red cannot be imported: point at them to see why.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Column in the file</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Columns and preview</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Contacts (calls, visits, messages)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Customers</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Examples</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Feedback and complaints</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Goes to</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Purchases (sales history)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Sheet:</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The file holds:</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>{valid} rows are ready to import; {errors} rows have errors and will be left out (the first {shown} rows are shown below).</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>ComplaintsDialog</name>
    <message>
        <source>&amp;Open customer</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&amp;Resolve…</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&amp;Take in hand…</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>No open complaints.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Open complaints</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>{count} complaint(s) waiting, the oldest first.</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>ComplaintsModel</name>
    <message>
        <source>Age (days)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Code</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Complaint</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Customer</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Handled by</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Opened</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Status</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>ContactsTab</name>
    <message>
        <source>&amp;Edit…</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Delete</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Delete this contact of {date}?</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Log a contact of this kind</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Log:</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>No contacts yet: log a call, visit or message with the buttons above.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Record &amp;offer…</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Record the special offer given to a loyal or high-value customer</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>last offer on {date}</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>no offer recorded yet</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>{count} contact(s).</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>★ Loyal or high-value customer: {last}.</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>CustomerForm</name>
    <message>
        <source>&amp;Open the other customer</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&amp;Revert</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&amp;Save</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>(suggested: {word})</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Address</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Another customer has this phone number or email:
{names}

Save anyway, or open the customer already there (what you typed here is not saved)?</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Cannot reach the database ({reason}). Your changes are kept here: press Save again when it is back.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Care messages</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Changed at another counter</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Changed at the other counter:</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Consent to personal data</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Contact</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Fill in what you know; only the name is required.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Given on {date}</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Honorific in messages</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Keep their data</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Maybe already there</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>New customer</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>No purchases yet.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Not given: silence is not consent.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Offers and marketing</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Overwrite</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Person</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Please correct the fields marked in red.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Referred by (code)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Referred {count} customers: {names}{more}</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Relationship</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Reload</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Role</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Save &amp;anyway</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Select a customer in the list, or add a new one.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>This customer has changes that are not saved yet. Save them?</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Unsaved changes</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>dd/mm/yyyy</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>e.g. 0912 345 678</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>e.g. KH000012</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>e.g. Nguyễn Thị Thu Hà</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>name@example.com</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>no</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>rated {average:.1f}/5 (last {last}/5)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>yes</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>{count} open complaint(s)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>{count} purchases · total {total} · average {average} · last on {last} ({days} days ago)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>{name} was moved to the trash at another counter.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>• {field}: {before} → {after}</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>★ loyal customer: special policies apply</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>CustomerList</name>
    <message>
        <source>Clear filter</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Filter…</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>No customer is in this list.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>No customer matches “{text}”.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>No customers yet: add one with New customer (Ctrl+N) or import a spreadsheet (Ctrl+I).</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Save as smart list…</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Search by name (no tones needed), phone, email, code or note…</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>CustomerRecords</name>
    <message>
        <source>&amp;Feedback</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&amp;Purchases</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>C&amp;ontacts</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>CustomerTableModel</name>
    <message>
        <source>Age group</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Area</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Code</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Complaint</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Email</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Gender</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Income</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Kind</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Name</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Phone</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Province</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Referrals</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Segment</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Since</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Source</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Value</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>open</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>DashboardExport</name>
    <message>
        <source>The PDF file cannot be written.</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>DashboardWindow</name>
    <message>
        <source>Average rating per month</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Average resolution time</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Care tasks done on time</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Care tasks due in the period</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Computing the dashboard…</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Computing the figures…</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Could not write {path}: {error}</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Custom dates</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Customers</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Customers by province (now)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Customers by segment (now)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Customers by source (now)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Customers by value tier (now)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Dashboard</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Excel workbook (*.xlsx)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Export the dashboard to Excel</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Export to Excel…</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Lapsed customers (more than {days} days)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Last 12 months</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Last 3 months</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Last 6 months</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Late</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>New customers per month</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>No tier</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Not computed yet</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Not recorded</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>On time</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Open complaints</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Others</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Overdue</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>PDF document (*.pdf)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Period</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Period:</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Print…</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Province: {name}</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Refresh</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Repeat-purchase rate</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Retention rate</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Revenue per month</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Save as PDF…</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Save the dashboard as PDF</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Saved {name}</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Segment: {name}</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Source: {name}</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Stars</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Tasks</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The figures could not be computed: {error}</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>This month</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>This year</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Top customers in the period</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Top referrers</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Value tier: {name}</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>billion ₫</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>from</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>million ₫</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>thousand ₫</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>to</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>{count} complaints resolved in the period</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>{days} days</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>{month}: {money} in {count} purchases</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>{month}: {stars} stars, {count} ratings</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>{open} open, {busy} in progress</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>{part} of {whole} customers of the start</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>{part} of {whole} customers who bought</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>{part} of {whole} done tasks</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>{start} – {end} · printed {today}</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>{start} – {end}, computed in {seconds} s</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>DatabaseDialog</name>
    <message>
        <source>&amp;Test connection</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Connected to {server}. The database is empty: ShopCRM will set it up at the next start.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Connected to {server}: a ShopCRM database with {count} customers.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Connecting…</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Database</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Database address</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>One computer: leave the local file (sqlite:///…). Several counters: every counter uses the same PostgreSQL address, e.g. postgresql://shop:password@192.168.1.10/shopcrm. The new address is used the next time ShopCRM starts.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Testing the connection…</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Use the &amp;local file</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>DuplicatesDialog</name>
    <message>
        <source>&amp;Merge…</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Find duplicates</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Looking for customers entered twice…</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Merge customers</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>No duplicates found.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The search failed: {reason}</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>{count} group(s) of customers that look like the same person. Select one and press Merge.</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>DuplicatesModel</name>
    <message>
        <source>Codes</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Names</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Phones</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Same email</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Same name and address</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Same name, same last 6 phone digits</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Same phone number</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Why</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>FeedbackDialog</name>
    <message>
        <source> ★</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&amp;Comment:</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&amp;Handled by:</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&amp;Kind:</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&amp;Rating:</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Feedback</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>no rating</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>FeedbackModel</name>
    <message>
        <source>Comment</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Date</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Handled by</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Kind</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Rating</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Resolution:
{text}</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Status</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>FeedbackTab</name>
    <message>
        <source>&amp;Add…</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&amp;Edit…</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&amp;Resolve…</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&amp;Take in hand…</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>, last {stars}</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Delete</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Delete this feedback?</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>No feedback yet: record a rating, a suggestion or a complaint with Add…</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Re&amp;open</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Satisfaction: {average}{last}; {count} open complaint(s).</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>no rating yet</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>{average} ★ on average</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>FileCommands</name>
    <message>
        <source>Back up the database</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Backing up…</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Backup saved and verified: {path}</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Excel workbook (*.xlsx)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Excel workbook (*.xlsx);;CSV (*.csv)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Export customers</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Exporting…</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Import customers or purchases</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Imported: {created} new, {updated} updated, {skipped} already there, {rejected} left out because of errors.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Importing {name}…</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Reading {name}…</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Save the import template</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Save the rows that were left out, with the reason, to correct them and import them again?</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Select the customers whose summaries to print.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>ShopCRM database (*.db)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Spreadsheets and contacts (*.xlsx *.xlsm *.csv *.txt *.vcf)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The backup {name} was restored.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The data as it was before is kept in {path}: restore it to undo this.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Wait until the work in progress has finished, then restore.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Written to {path}</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>import-template.xlsx</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>{count} customers written to {path}</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>FilterDialog</name>
    <message>
        <source>(none yet)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Age group</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Apply</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Birthday this month</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Clear all</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Filter customers</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Has an open complaint</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Open complaint</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Segment</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Value</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>ImportConfirmDialog</name>
    <message>
        <source>Error</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Excel workbook (*.xlsx)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Save the rows that were not imported</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>ImportHistoryDialog</name>
    <message>
        <source>&amp;Undo this import…</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Import history</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Import undone: {count} care tasks removed.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Import undone: {count} contacts removed.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Import undone: {count} feedback entries removed.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Import undone: {removed} customers and {purchases} purchases removed, {restored} customers put back as they were.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>No import yet.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Undo the import of {file} ({date})? What it added is removed and what it changed is put back.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Undoing an import removes the customers, purchases, contacts, feedback or care tasks it added and puts back the values it overwrote, in one step. A backup is taken first.</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>ImportWizard</name>
    <message>
        <source>&amp;Import</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Amount (₫)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Assigned to</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Channel</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Checking {name}…</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Comment</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Created on</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Customer code</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Customer phone</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Date and time</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Done on</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Due date</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Due time</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Handled by</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Import {name}</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Items</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Kind</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Note</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Outcome</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Purchase date</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Rating (stars)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Repeat</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Resolution</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Resolved on</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Staff</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Stage</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Status</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Step</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Task</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Testing the import…</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Title</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>What was said or done</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>ImportsModel</name>
    <message>
        <source>Added</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Care tasks</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Contacts</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Customers</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Feedback</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>File</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Kind</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Left out</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Purchases</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Skipped</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>State</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Undone on {date}</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Unfinished</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Updated</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>When</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>InteractionDialog</name>
    <message>
        <source>&amp;Kind:</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&amp;Staff:</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&amp;What was said or done:</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Contact</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>InteractionModel</name>
    <message>
        <source>Kind</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Staff</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Summary</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>When</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>Job</name>
    <message>
        <source>Cancel</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>LockDialog</name>
    <message>
        <source>Enter the app password to continue.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Quit</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>ShopCRM is locked</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Unlock</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Wrong password. Try again.</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>MainWindow</name>
    <message>
        <source>&amp;Audit log</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&amp;Back up now…</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&amp;Care rules…</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&amp;Customer</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&amp;Database…</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&amp;Delete to trash</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&amp;Edit</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&amp;Export customers…</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&amp;File</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&amp;Find customer</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&amp;Import spreadsheet…</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&amp;Lock now</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&amp;New customer</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&amp;Print summaries…</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&amp;Quit</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&amp;Redo</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&amp;Refresh</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&amp;Restore from backup…</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&amp;Save customer</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&amp;Tools</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&amp;Undo</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Add {name}</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Cannot reach the database; trying again in {seconds} seconds.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Care schedule: {overdue} overdue, {today} due today.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Delete {count} customer(s)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Download import &amp;template…</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>E&amp;xport this customer&apos;s data…</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Edit {name}</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Erase &amp;personal data…</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Erase the personal data of {name}? Name, phones, email, address, birthday, notes and what was said are removed for good; anonymous purchases stay in the reports. This cannot be undone.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Export this customer&apos;s data</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Find d&amp;uplicates…</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Import &amp;history…</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>JSON file (*.json)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Main</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Move {count} customer(s) to the trash? They can be restored from the trash until it is emptied.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Open &amp;complaints…</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Personal data erased.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Print c&amp;all sheet…</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Print customer &amp;list…</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Re&amp;ports dashboard…</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Sa&amp;ve customer list as PDF…</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Save call sheet as PD&amp;F…</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Save summaries as P&amp;DF…</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Saved.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Se&amp;ttings…</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Segment &amp;rules…</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>ShopCRM</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>ShopCRM — demo data</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>T&amp;rash…</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Written to {path}</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>{count} customer(s) moved to the trash.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>{shown} of {total} customers shown</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>{title} (read-only)</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>MergeDialog</name>
    <message>
        <source>&amp;Merge</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Keep the customer</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Merge customers</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Merge {codes} into {code} ({name})? The merged customers are deleted after everything of theirs has moved; this cannot be undone.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Referred by (code)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Their purchases, notes, feedback, care tasks, consents and tags all go to the customer kept; the others are then deleted. Choose the value to keep where they differ.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>no</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>yes</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>{value} (from {code})</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>PreviewModel</name>
    <message>
        <source>Problems</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Row</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>PurchaseDialog</name>
    <message>
        <source>&amp;Amount (₫):</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&amp;Channel:</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&amp;Date:</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&amp;Items:</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&amp;Note:</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Purchase</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>dd/mm/yyyy</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>e.g. 1.250.000</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>PurchaseModel</name>
    <message>
        <source>Amount</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Channel</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Date</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Items</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Note</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>PurchasesTab</name>
    <message>
        <source>&amp;Add…</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&amp;Edit…</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Delete</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Delete the purchase of {date} ({amount})?</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>No purchases yet: add the first with Add…</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>No purchases.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>{count} purchase(s), {total} in all, {average} on average. First {first}, last {last} ({days} day(s) ago).</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>RecordsTab</name>
    <message>
        <source>Confirm</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Not saved</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>RestoreDialog</name>
    <message>
        <source>&amp;Choose folder…</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&amp;Open folder…</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&amp;Restore…</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Backups folder: {folder}
Last backup: {when}</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Choose the backups folder</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Replace all the data with the backup of {when}? Whatever was changed since then is replaced too; it is backed up first, so you can restore it again.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Restore from backup</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>ShopCRM backs up by itself before imports, upgrades and emptying the trash, every half hour while you work, and when you close it. Restoring replaces all the data with the backup&apos;s; the data as it is now is backed up first, so a restore can be undone.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>none yet</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>RulesModel</name>
    <message>
        <source>Days</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Message</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Name</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>On</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Task</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Trigger</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>RunPage</name>
    <message>
        <source>&amp;Test (writes nothing)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Add them again</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Add them again as new customers</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Already stored (same code, phone or email):</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Import</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Skip the ones already stored</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Skip them (keep what is stored)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Test run, nothing was written: {created} would be added, {updated} updated, {skipped} skipped as already stored, {rejected} left out because of errors.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The import is one step: it either finishes or changes nothing. A backup is taken first.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Update them with the file&apos;s values</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>SegmentRulesDialog</name>
    <message>
        <source>Computing the segments again…</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Segment rules</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Segments are computed from purchases: potential (no purchase yet), lapsed, loyal, first big purchase, new — the first rule that holds, in that order. Value tiers rank customers by what they spent in all.</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>SettingsDialog</name>
    <message>
        <source> min</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>A new language applies the next time ShopCRM starts.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>App password (asked at start)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Database</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Language</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Leave empty for no password</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Leave empty to keep it</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Lock when idle for</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Remove the app password</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Repeat the password</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Settings</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Shop name (in messages and printouts)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The two passwords are not the same.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>e.g. Tiệm may Hà Linh</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>never</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>Sidebar</name>
    <message>
        <source>(none yet: filter the list, then save it)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>All customers</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Birthdays this month</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Delete</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Delete the smart list “{name}”? No customer is deleted.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Edit filter…</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Lists</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Name of the list:</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>New smart list…</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Open complaints</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Rename smart list</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Rename…</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Save as smart list</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>ShopCRM</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Smart lists</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>SnoozeDialog</name>
    <message>
        <source>Put off {task} ({name}) to:</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Snooze to a date</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>TagsEdit</name>
    <message>
        <source>e.g. áo dài, VIP (separate with commas)</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>TaskTableModel</name>
    <message>
        <source>Customer</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Due</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Status</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Task</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>TopCustomersModel</name>
    <message>
        <source>Code</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Name</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Purchases</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Spent</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>TopReferrersModel</name>
    <message>
        <source>Code</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Customers referred</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>In the period</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Name</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>TrashDialog</name>
    <message>
        <source> A backup is made first, so a restore can bring them back.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&amp;Empty the trash…</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&amp;Restore selected</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Customers stay here until the trash is emptied.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Delete {count} customer(s) and all their purchases, notes and tasks for good?</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The trash is empty.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Trash</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>TrashModel</name>
    <message>
        <source>Code</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Deleted on</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Name</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Phone</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>app</name>
    <message>
        <source>Change database…</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Open read-only</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Quit</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Restore the newest backup</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Try again</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>care_rules</name>
    <message>
        <source>After a purchase</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Birthday</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Complaint</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Customer became lapsed</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Customer became loyal</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>New customer</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>date of the last purchase</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>days after becoming lapsed</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>days after becoming loyal</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>days after the birthday (negative: before)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>days after the complaint (1: within 24 hours)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>days after the customer was added</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>days after the purchase</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>full name</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>given name</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>how to address them: chị, anh, quý khách</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>loyalty points</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>the same, capitalised</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>the shop&apos;s name</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>what they bought last</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>complaints</name>
    <message>
        <source>How was the complaint resolved?</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Resolve</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Take in hand</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Who handles this complaint?</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>errors</name>
    <message>
        <source>&quot;{code}&quot; is not a customer code: at most 20 letters and digits, no spaces.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&quot;{email}&quot; is not an email address (name@example.com).</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&quot;{text}&quot; is not a date and time.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&quot;{text}&quot; is not a date: write it as dd/mm/yyyy.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&quot;{text}&quot; is not a step number (1 to 99).</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&quot;{text}&quot; is not a time (write it as 14:30).</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&quot;{value}&quot; is not a gender: write Nam, Nữ or Khác (or leave it empty).</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&quot;{value}&quot; is not a kind of customer: write Cá nhân or Công ty.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&quot;{value}&quot; is not an amount of money in đồng.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&quot;{value}&quot; is not an amount: write a whole number of đồng.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&quot;{value}&quot; is not one of the choices.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&quot;{value}&quot; is not yes or no: write x or leave it empty.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>A birthday of {date} is not possible.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>A customer needs a name.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>A customer to merge no longer exists.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>A password needs at least {count} characters.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>A purchase cannot be dated after today ({today}).</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>A purchase needs a date.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>A rating is 1 to 5 stars.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>A repeat is &quot;yearly&quot;, &quot;days:N&quot; or &quot;months:N&quot;.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>A smart list&apos;s name can have at most {max} characters.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>A tag can have at most {limit} characters: “{tag}”.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>A task can only be done or skipped.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>An amount must be more than 0 ₫ and less than {limit} ₫.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Backups of a shared PostgreSQL database are made on the server (pg_dump).</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Cannot export to {name}: choose a file name ending in .xlsx or .csv.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Cannot keep a copy of the current database ({reason}), so nothing was restored.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Cannot open the database {url}: {reason}</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Cannot restore the backup: {reason}. Nothing was changed.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Cannot use the database address {url}: {reason}</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Cannot write the backup {path}: {reason}</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Cannot write {path}: {reason}</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Choose at least one filter to save as a smart list.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Choose at least two different customers to merge.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Customers were changed at another counter during the import, so nothing was imported. Import the file again.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Export cancelled; no file was written.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Give a rating or write a comment.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Give the smart list a name.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>High and low value together cannot be more than 100 %.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>No column holds the customers&apos; names in {name} (its columns: {headers}): choose which column is the name.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>No column of {name} holds the customer code or phone (its columns: {headers}): choose which column says whose purchase it is.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>No column of {name} holds the {what} (its columns: {headers}): choose which column it is.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>No column of {name} holds the {what} of the purchases (its columns: {headers}): choose which column it is.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>No customer has the code {code}.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>No customer has the phone number {phone}.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Only a complaint has a status.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Only a database file (SQLite) is restored from a backup file; a shared PostgreSQL database is restored on its server (pg_restore).</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Only a resolved complaint can be reopened.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Only an open complaint can be taken in hand.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Put a task off to today or later.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Say who handles the complaint.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Some fields need correcting.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Some segment rules need correcting.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The amount of the purchase is missing.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The backup copy is damaged ({reason}); no file was replaced.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The backup {path} is damaged ({reason}) and cannot be restored. Nothing was changed; choose another backup.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The code {code} is already used by another customer (perhaps one in the trash).</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The copy of the table {table} holds {found} rows where the shop has {expected}; nothing was written to {url}.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The copy to {url} failed: {reason}. Nothing was written there.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The customer of this row was deleted meanwhile.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The customer to keep is in the trash: restore it first.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The database {path} is damaged ({reason}). ShopCRM has only read it, so nothing got worse: open it read-only to see and export your customers, and restore the newest backup, {newest}.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The database {path} is damaged ({reason}). ShopCRM has only read it, so nothing got worse: open it read-only to see and export your customers. No backup was found in {folder}.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The database {path} is open in another ShopCRM window. Close it there, then restore the backup; nothing was changed.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The database {url} is not empty. A shop is copied only into an empty database, never merged into another or written over it; nothing was changed there.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The date of the purchase is missing.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The import of {file} never finished, so there is nothing to undo.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The import of {file} was already undone on {date}.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The import of {file} was made by an older ShopCRM, which did not note the contacts, feedback or care tasks it added, so it cannot be undone: restore the backup taken before it instead (File &gt; Restore from backup).</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The import was cancelled: nothing was changed.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The later import of {file} ({date}) changed some of the same customers: undo that import first.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The period must start on or before the day it ends.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The referrer {code} is the customer of a row of this file that was refused: fix that row too.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The referrer {code} is the customer of row {row} of this file, which is rejected: fix that row too.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The row does not say whose purchase it is: give the customer code or phone.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The table {table} could not be copied to {url}: {reason}. Nothing was written there.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The text is too long: at most {limit} characters.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The {what} is missing.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>There can be at most {max} smart lists.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>There is already a smart list named “{name}”.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>There is no database at {path}.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>There is no file {path}.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>There is no import number {batch}.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>This cannot be in the future.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>This complaint is already resolved.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>This customer no longer exists or is in the trash.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>This database has customer tables but no schema version; it was not made by ShopCRM and was left unchanged.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>This database holds no ShopCRM shop; there is nothing to copy.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>This database is already open in another ShopCRM window on this computer (or another computer through a shared folder). Several counters should share a PostgreSQL database instead; you can open this one read-only.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>This database must be upgraded before ShopCRM can show it, and a read-only open cannot do that: open it normally.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>This database was made by a newer ShopCRM (schema {found}, this one knows {current}). Update ShopCRM to open it; nothing was changed.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>This entry no longer exists (deleted at another counter?).</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>This feedback no longer exists (deleted at another counter?).</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>This is too long: at most {limit} characters.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>This purchase no longer exists (deleted at another counter?).</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>This shop&apos;s database is at schema version {found}, and this ShopCRM copies version {current} only. Open it once with this ShopCRM to upgrade it, then copy it.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>This task is already finished.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>This task no longer exists (deleted at another counter?).</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Two columns are set to {field}: choose one.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Unknown filter value: {value}.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Unknown filter: {axis}.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Unknown kind of database address: {url}</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Unknown purpose of consent.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Use a whole number from {low} to {high}.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Use one of: {choices}.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Write how the complaint was resolved.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Write what the customer complains about.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Write what was said or done.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>{amount} is below zero: a purchase amount cannot be negative (record returns apart).</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>{count} customers have the phone number {phone}: give the customer code.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>{count} customers of this import were changed after it (for example {code} {name}); undoing it would lose those changes, so nothing was undone.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>{date} is too long ago.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>{name} cannot be imported: choose a {kinds} file.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>{name} cannot be read: {reason}</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>{name} has no sheet called {sheet}; it has: {sheets}.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>{name} is an old Excel 97-2003 file: open it in Excel and save it as .xlsx.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>{name} is empty: there are no customers to import.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>{name} is not a CSV text file or is damaged.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>{name} is not a vCard contacts file or is damaged.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>{name} is not an Excel workbook or is damaged.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>{name} is protected by a password or is an old Excel 97-2003 file. Open it in Excel, remove the password or save it as .xlsx, then import it again.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>{name} was changed at another counter while you were editing. Reload to see the change, or overwrite it.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>{name}: a quotation mark on line {line} is never closed, so all the lines after it read as one cell. Add the closing quotation mark, then import again.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>{name}: line {line} is not valid UTF-8 text; save the file again as CSV UTF-8.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>{name}: the contact that starts on line {line} never ends (END:VCARD is missing), so the file is probably cut short. Export the contacts from the phone again.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>{path} is not a ShopCRM backup.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>{path} is not a ShopCRM backup. Nothing was changed.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>{path} is not a ShopCRM database.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>{path} is the database itself, not a backup of it.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>{phone} is not a phone number: it contains letters. Write only digits, with spaces, dots or dashes if you like.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>{phone} is not a phone number: write only digits, spaces, dots, dashes, brackets and a + in front.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>{phone} is not a valid international phone number: check the country code after the + and the digits.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>{phone} is not a valid phone number: a Vietnamese mobile has 10 digits starting with 0.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>{phone} is too long for a phone number: a Vietnamese mobile has 10 digits and a landline 11. Write a foreign number with + and its country code.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>{phone} is too short for a phone number: a Vietnamese mobile has 10 digits starting with 0.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>{phone} looks like an old 11-digit mobile number, but {prefix} is not one of the prefixes changed to 10 digits in 2018.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>{text} has no year: write the date as dd/mm/yyyy.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>{text} is not a date: write it as dd/mm/yyyy.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>{text} is not a day of the calendar.</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>fields</name>
    <message>
        <source>Area</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Beneficiary</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Birthday</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Buyer</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Company</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Customer code</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>District</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Email</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Facebook</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Family name</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Full name</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Gender</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Given name</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Honorific</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Income</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Kind</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Middle name</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Notes</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Organisation type</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Phone</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Province / city</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Referred by</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Relation</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Second phone</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Source</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Street address</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Tags</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Tax code</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>User</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Ward / commune</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Zalo</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>labels</name>
    <message>
        <source>Advertising</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Ask for feedback</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Average value</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Birthday greeting</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Call</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Child</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>City</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Complaint</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Complaint follow-up</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Done</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Elderly</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Email</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>External</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Facebook</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Female</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>First big purchase</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>High</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>High value</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>In progress</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>In store</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Individual</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Internal (staff, shareholder)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Lapsed</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Low</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Low value</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Loyal</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Loyalty offer</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Male</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Manufacturer</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Medium</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Middle-aged</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>New</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Non-profit / state agency</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Note</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Online</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Open</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Organisation</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Other</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Other task</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Phone</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Planned</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Potential</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Praise</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Pre-sale follow-up</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Press, radio, TV</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Referral</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Resolved</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Rural</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>SMS</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Skipped</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Social network</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Special offer</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Suburban</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Suggestion</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Thank-you / check-in</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Trading company</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Unknown</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Urban area</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Visit</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Walk-in</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Website</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Welcome</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Wholesaler / retailer</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Win back</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Youth</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Zalo</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>printing</name>
    <message>
        <source>Call sheet</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Customer</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Due</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Message</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Notes</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Nothing overdue or due today.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>PDF document (*.pdf)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Page {page} / {pages}</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Phone</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Save summaries as PDF</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Save the call sheet as PDF</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Save the customer list as PDF</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>reports</name>
    <message>
        <source>Average resolution time: the days from a complaint to its resolution, over the complaints resolved during the period.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Lapsed customers: customers whose last purchase, at the end of each month, was more than {days} days before it.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>On-time rate: of the care tasks due in the period and done, the share done on or before their due date.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Repeat-purchase rate: of the customers who bought during the period, the share who bought on at least two different days in it.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Retention rate: of the customers of the start (added before the first day of the period and who had bought before it), the share who bought again during the period.</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>segments</name>
    <message>
        <source>A customer who bought on at least this many different days within the loyalty period is loyal (default 3).</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>A customer whose last purchase is older than this many days is lapsed (default 180: six months).</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>A first purchase day of at least this amount makes a &quot;first big purchase&quot; customer (default 5,000,000 ₫).</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Big purchase (VND)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>First big purchase lasts (days)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>High value: top (%)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>How many days after the first purchase a customer stays &quot;first big purchase&quot; (default 90).</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Lapsed after (days)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Low value: bottom (%)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Loyal after (purchases)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Loyalty period (months)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The customers who spent the least, this percent of those who bought, are low value (default 30).</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The customers who spent the most, this percent of those who bought, are high value (default 20).</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The months counted back from today for loyalty (default 12).</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>settings</name>
    <message>
        <source>App password</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Care catch-up days</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Care tasks generated</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Lock after minutes idle</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Segment rules</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Segments computed</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Shop name</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Smart lists</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>VND per loyalty point</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>summary</name>
    <message>
        <source>Address</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Average basket</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Average rating</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Birthday</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Code</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Contact</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Customer code</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Customer list</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Customer summary</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Email</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Feedback</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Form of address</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>In the trash</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Key figures</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Last purchase</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Last purchases</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Name</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Notes</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Open care tasks</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Open complaints</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Phone</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Printed {date}</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Purchases</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Recent interactions</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Referrals</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Segment</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Total spent</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>… and {count} more</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>★ Loyal customer</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>tray</name>
    <message>
        <source>Care schedule</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>ShopCRM</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>{overdue} overdue, {today} due today</source>
        <translation type="unfinished"></translation>
    </message>
</context>
</TS>
