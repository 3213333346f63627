/** رسائل تفاصيل مجموعة لا يتوفر منها إلا ملخصها. */
export default {
  'details.summary.loading': 'جارٍ تحميل التفاصيل الكاملة لهذه المجموعة…',
  'details.summary.offline': 'غير متصل: لا يوجد على هذا الجهاز إلا ملخص لهذه المجموعة. تُحمَّل تفاصيلها الكاملة والإجراءات المتاحة عليها عند عودة الاتصال.',
  'details.summary.failed': 'تعذّر تحميل التفاصيل الكاملة لهذه المجموعة.',
  'details.summary.notFound': 'لم تعد هذه المجموعة ضمن ما يمكنك رؤيته.',
  'details.summary.retry': 'إعادة المحاولة',
} satisfies Record<string, string>;
